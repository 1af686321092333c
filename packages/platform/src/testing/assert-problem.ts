import assert from 'node:assert/strict';
import { PROBLEM_CONTENT_TYPE, type ProblemDetails } from '../http/problem.ts';

export interface InjectedResponse {
  readonly statusCode: number;
  readonly headers: Record<string, unknown>;
  json(): unknown;
}

/** The problem document as a test reads it: our fields, and whatever a route adds (`available`, `errors`, …). */
export type ProblemBody = ProblemDetails & { readonly [member: string]: unknown };

/** Asserts an RFC 9457 problem document with the given status and stable code, as every error of ours is. */
export function assertProblem(response: InjectedResponse, status: number, code: string): ProblemBody {
  assert.equal(response.statusCode, status);
  assert.ok(String(response.headers['content-type']).startsWith(PROBLEM_CONTENT_TYPE), 'a problem+json document');
  const body = response.json() as ProblemBody;
  assert.equal(body.status, status);
  assert.equal(body.code, code);
  assert.equal(typeof body.title, 'string');
  assert.equal(typeof body.detail, 'string');
  assert.match(String(body.type), /^urn:orderflow:problem:/);
  assert.equal(typeof body.instance, 'string');
  return body;
}
