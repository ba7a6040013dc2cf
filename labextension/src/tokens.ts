/**
 * REST contract of the jupyter-mlops server extension.
 *
 * Each interface mirrors one pydantic model in
 * `jupyter_mlops/server/models.py`, field for field.
 */

/** Mirrors `ModelSummary`. */
export interface IModelSummary {
  name: string;
  description: string;
  owner: string | null;
  use_case: string | null;
  risk_tier: string | null;
  stage: string | null;
  latest_version: string | null;
  aliases: Record<string, string>;
  tags: Record<string, string>;
  updated_at: number | null;
}

/** Mirrors `ListModelsResponse`, the body of `GET mlops/models`. */
export interface IListModelsResponse {
  models: IModelSummary[];
}

/** Mirrors `ErrorResponse`, the body of every error answer. */
export interface IErrorResponse {
  error: string;
  message: string;
}

/** Mirrors `HealthResponse`, the body of `GET mlops/health`. */
export interface IHealthResponse {
  version: string;
  tracking_uri: string;
}
