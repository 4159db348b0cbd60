/**
 * An error an HTTP route means to show the caller, rendered as application/problem+json (RFC 9457).
 * Every other error becomes a 500 whose details stay in the log.
 */
export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail: string,
    readonly extensions: Readonly<Record<string, unknown>> = {},
  ) {
    super(detail);
    this.name = 'HttpProblem';
  }

  static notFound(detail: string): HttpProblem {
    return new HttpProblem(404, 'Not found', detail);
  }

  static conflict(detail: string, extensions?: Record<string, unknown>): HttpProblem {
    return new HttpProblem(409, 'Conflict', detail, extensions);
  }

  static badRequest(detail: string, extensions?: Record<string, unknown>): HttpProblem {
    return new HttpProblem(400, 'Invalid request', detail, extensions);
  }

  static unprocessable(detail: string, extensions?: Record<string, unknown>): HttpProblem {
    return new HttpProblem(422, 'Unprocessable request', detail, extensions);
  }
}

/** The problem type URI for a status: one page per kind of problem, GET /problems/:status on every app. */
export function problemType(status: number): string {
  return `/problems/${status}`;
}
