/**
 * Stands in for `src/handler` (`vi.mock('../src/handler', () =>
 * import('./handlerMock'))`): requests never leave the test.
 */
import { vi } from 'vitest';

export class MlopsRequestError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string
  ) {
    super(message);
  }
}

export const requestAPI = vi.fn();
