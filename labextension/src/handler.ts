import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

/**
 * An error answered by the jupyter-mlops server extension.
 *
 * `code` and `message` come from the server's JSON error body
 * (`{"error": ..., "message": ...}`), so the UI can show what the user
 * should fix instead of a bare HTTP status.
 */
export class MlopsRequestError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string
  ) {
    super(message);
    this.name = 'MlopsRequestError';
  }
}

/**
 * Call the jupyter-mlops REST API.
 *
 * @param endPoint - path under `{base_url}mlops/`, for example `models`
 * @param init - fetch options
 * @returns the decoded JSON body
 * @throws {MlopsRequestError} when the server cannot be reached or answers
 *   with an error status
 */
export async function requestAPI<T>(
  endPoint = '',
  init: RequestInit = {}
): Promise<T> {
  const settings = ServerConnection.makeSettings();
  const requestUrl = URLExt.join(settings.baseUrl, 'mlops', endPoint);
  // A string body would go as text/plain, which the server refuses (415).
  const headers = new Headers(init.headers);
  if (init.body !== undefined && init.body !== null && !headers.has('Content-Type')) {
    headers.set('Content-Type', 'application/json');
  }
  init = { ...init, headers };

  let response: Response;
  try {
    response = await ServerConnection.makeRequest(requestUrl, init, settings);
  } catch (reason) {
    throw new MlopsRequestError(
      `Cannot reach the Jupyter server: ${String(reason)}`,
      0,
      'NETWORK_ERROR'
    );
  }

  const text = await response.text();
  let body: unknown = null;
  if (text.length > 0) {
    try {
      body = JSON.parse(text);
    } catch {
      body = null;
    }
  }

  if (!response.ok) {
    const message =
      stringField(body, 'message') ??
      `${response.status} ${response.statusText}`.trim();
    const code = stringField(body, 'error') ?? 'HTTP_ERROR';
    throw new MlopsRequestError(message, response.status, code);
  }
  if (body === null) {
    throw new MlopsRequestError(
      `The server did not answer ${endPoint} with JSON`,
      response.status,
      'INVALID_RESPONSE'
    );
  }
  return body as T;
}

function stringField(body: unknown, key: string): string | undefined {
  if (typeof body === 'object' && body !== null) {
    const value = (body as Record<string, unknown>)[key];
    if (typeof value === 'string' && value.length > 0) {
      return value;
    }
  }
  return undefined;
}
