/**
 * The base of the sidebar's models: listeners and the last request error,
 * free of React and Lumino so the models can be unit-tested with
 * `requestAPI` mocked.
 */
import { MlopsRequestError } from './handler';

/** A listener called after a model changed. */
export type Listener = () => void;

/** Base of the models: a list of listeners and an error slot. */
export class Observable {
  /** Call `listener` after each change; returns a function that stops it. */
  subscribe(listener: Listener): () => void {
    this._listeners.add(listener);
    return () => this._listeners.delete(listener);
  }

  /** The last request error, or null. */
  get error(): string | null {
    return this._error;
  }

  protected emit(): void {
    this._listeners.forEach(listener => listener());
  }

  /**
   * Run a request, keeping its error for the view instead of throwing;
   * listeners hear of the outcome either way.
   */
  protected async guard<T>(work: () => Promise<T>): Promise<T | undefined> {
    try {
      const value = await work();
      this._error = null;
      return value;
    } catch (reason) {
      this._error = describeError(reason);
      return undefined;
    } finally {
      this.emit();
    }
  }

  private _listeners = new Set<Listener>();
  private _error: string | null = null;
}

/** The text a user should read for a failed request. */
export function describeError(reason: unknown): string {
  if (reason instanceof MlopsRequestError) {
    return reason.message;
  }
  return reason instanceof Error ? reason.message : String(reason);
}
