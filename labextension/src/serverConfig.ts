/**
 * What the server does with jobs (`GET mlops/config`): the executor and the
 * features it supports, so the sidebar offers only what that executor can do.
 */
import { requestAPI } from './handler';
import { Observable } from './observable';
import { IDescribeConfig } from './tokens';

/** The server's job configuration, read once (again only after a failure). */
export class ServerConfigModel extends Observable {
  get config(): IDescribeConfig | null {
    return this._config;
  }

  /**
   * Whether the executor supports `feature` (`cancel`, `resources`...).
   * False until the configuration is read: offering an action the executor
   * lacks would only end in the server refusing it.
   */
  supports(feature: string): boolean {
    return this._config?.features[feature] === true;
  }

  /** Read the configuration unless it was read already. */
  load(): Promise<void> {
    if (this._config === null && this._pending === null) {
      this._pending = this.guard(async () => {
        this._config = await requestAPI<IDescribeConfig>('config');
      }).then(() => {
        this._pending = null;
      });
    }
    return this._pending ?? Promise.resolve();
  }

  private _config: IDescribeConfig | null = null;
  private _pending: Promise<void> | null = null;
}
