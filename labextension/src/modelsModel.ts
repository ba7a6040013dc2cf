/**
 * The Models tab's state: the registered models, their details and the
 * receipts of their runs, fetched on demand.
 */
import { requestAPI } from './handler';
import { Observable } from './observable';
import {
  IDescribeModel,
  IDescribeReceipt,
  IListModelsResponse,
  IModelSummary
} from './tokens';

/** Whether a model matches the filter text, case-insensitively. */
export function matches(model: IModelSummary, filter: string): boolean {
  const needle = filter.trim().toLowerCase();
  if (needle.length === 0) {
    return true;
  }
  const haystack = [
    model.name,
    model.description,
    model.owner,
    model.use_case,
    model.risk_tier,
    model.stage,
    ...Object.keys(model.aliases)
  ];
  return haystack.some(
    value => value !== null && value.toLowerCase().includes(needle)
  );
}

/** The registered models, their details and receipts, fetched on demand. */
export class ModelsModel extends Observable {
  get models(): IModelSummary[] {
    return this._models;
  }

  get loaded(): boolean {
    return this._loaded;
  }

  get loading(): boolean {
    return this._pending !== null;
  }

  /**
   * Models matching the filter and, when set, the risk tier and the status:
   * `red`, `amber` or `green` (RAG), or `alert` (an alert rule fired).
   */
  visible(filter: string, riskTier = '', status = ''): IModelSummary[] {
    return this._models.filter(
      m =>
        matches(m, filter) &&
        (!riskTier || m.risk_tier === riskTier) &&
        (!status ||
          (status === 'alert' ? m.alert_status === 'alert' : m.rag === status))
    );
  }

  /** How many models have an alert from their last evaluation. */
  get alertCount(): number {
    return this._models.filter(m => m.alert_status === 'alert').length;
  }

  /**
   * Reload the list; `full` asks the server to re-list the whole registry.
   * A call made while a request is in flight waits for that request.
   */
  refresh(full = false): Promise<void> {
    if (this._pending === null) {
      this._pending = this._load(full).finally(() => {
        this._pending = null;
        this.emit();
      });
      this.emit();
    }
    return this._pending;
  }

  /** One model with its versions (cached until the next refresh). */
  async describe(name: string): Promise<IDescribeModel | undefined> {
    const cached = this._details.get(name);
    if (cached) {
      return cached;
    }
    const body = await this.guard(() =>
      requestAPI<IDescribeModel>(`models/${encodeURIComponent(name)}`)
    );
    if (body) {
      this._details.set(name, body);
    }
    return body;
  }

  detail(name: string): IDescribeModel | undefined {
    return this._details.get(name);
  }

  /** A run's provenance receipt, from a version's `receipt_url`. */
  receipt(url: string): Promise<IDescribeReceipt | undefined> {
    return this.guard(() => requestAPI<IDescribeReceipt>(url));
  }

  private async _load(full: boolean): Promise<void> {
    const body = await this.guard(() =>
      requestAPI<IListModelsResponse>(full ? 'models?refresh=full' : 'models')
    );
    if (body) {
      this._models = body.models;
      this._loaded = true;
      this._details.clear();
    }
  }

  private _models: IModelSummary[] = [];
  private _loaded = false;
  private _pending: Promise<void> | null = null;
  private _details = new Map<string, IDescribeModel>();
}
