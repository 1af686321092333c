// The page's calls to its server: POST /api/orders, GET /api/orders/:orderId and POST /api/dead-letters/:topic/redrive.
// Failures come back as RFC 9457 problem documents; the page shows their detail and branches on nothing else.
export type ApiResult<T> = { readonly ok: true; readonly body: T } | { readonly ok: false; readonly problem: string };

export async function postJson<T>(path: string, body: unknown): Promise<ApiResult<T>> {
  let response: Response;
  try {
    response = await fetch(path, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  } catch (error) {
    return { ok: false, problem: `the console did not answer: ${(error as Error).message}` };
  }
  return resultOf<T>(response);
}

async function resultOf<T>(response: Response): Promise<ApiResult<T>> {
  const parsed = (await response.json().catch(() => null)) as unknown;
  if (response.ok) return { ok: true, body: parsed as T };
  const problem = parsed as { detail?: unknown; title?: unknown; code?: unknown } | null;
  const text = [problem?.code, problem?.detail ?? problem?.title].filter((part) => typeof part === 'string');
  return { ok: false, problem: text.length > 0 ? text.join(': ') : `HTTP ${response.status}` };
}

/** GET of one of the console's own routes (the search box's order look-up). */
export async function getJson<T>(path: string): Promise<ApiResult<T>> {
  let response: Response;
  try {
    response = await fetch(path, { headers: { accept: 'application/json' } });
  } catch (error) {
    return { ok: false, problem: `the console did not answer: ${(error as Error).message}` };
  }
  return resultOf<T>(response);
}
