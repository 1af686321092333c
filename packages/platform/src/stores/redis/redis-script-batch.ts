import { type RedisClient, redisCall } from './open-redis.ts';
import { defineRedisBatchScript } from './redis-script.ts';

/** One step of a batch: the name of a Lua function of the batch script, its keys and its arguments. */
export interface BatchedCall {
  readonly step: string;
  readonly keys: readonly string[];
  readonly args: readonly (string | number)[];
}

export type BatchedScript = (call: BatchedCall) => Promise<unknown>;

/**
 * Runs many script calls as one: `steps` maps a name to the body of a Lua script written for KEYS and ARGV, and each
 * call names one of them. While a batch is at Redis the calls that arrive wait, and go together as the next one:
 * one command, one round trip and one socket write for all of them, however many requests are in flight, and a lone
 * call goes at once (on the next turn of the event loop). Every step still runs atomically, in the order the calls
 * were made, so a call made after another one resolved sees its writes.
 *
 * A step that raises a Lua error ends the whole batch: every call in it rejects (the steps before it have written).
 */
export function createRedisScriptBatch(
  redis: RedisClient,
  name: string,
  steps: Readonly<Record<string, string>>,
): BatchedScript {
  const run = defineRedisBatchScript(redis, name, batchLua(steps));
  let queued: { call: BatchedCall; resolve: (reply: unknown) => void; reject: (error: unknown) => void }[] = [];
  let busy = false;

  async function drain(): Promise<void> {
    while (queued.length > 0) {
      const batch = queued;
      queued = [];
      // ARGV[1] describes the batch: per call its step, key count and argument count.
      const plan = batch.map(({ call }) => `${call.step} ${call.keys.length} ${call.args.length}`).join(',');
      try {
        const replies = (await redisCall(() =>
          run(
            batch.flatMap(({ call }) => call.keys),
            [plan, ...batch.flatMap(({ call }) => call.args)],
          ),
        )) as unknown[];
        batch.forEach(({ resolve }, i) => resolve(replies[i]));
      } catch (error) {
        for (const { reject } of batch) reject(error);
      }
    }
    busy = false;
  }

  return (call) =>
    new Promise((resolve, reject) => {
      queued.push({ call, resolve, reject });
      if (busy) return;
      busy = true;
      // Requests parsed in the same turn of the event loop share the first batch too.
      setImmediate(() => void drain());
    });
}

function batchLua(steps: Readonly<Record<string, string>>): string {
  for (const step of Object.keys(steps)) {
    if (!/^[a-z]\w*$/i.test(step)) throw new RangeError(`batch step names are Lua identifiers, got '${step}'`);
  }
  // Each step's body becomes a function whose KEYS and ARGV are its call's slices of the batch's.
  const functions = Object.entries(steps)
    .map(([step, lua]) => `steps['${step}'] = function(KEYS, ARGV)\n${lua}\nend`)
    .join('\n');
  return `
local steps = {}
${functions}
local replies = {}
local k, a = 0, 1
for step, nkeys, nargs in string.gmatch(ARGV[1], '(%w+) (%d+) (%d+)') do
  nkeys, nargs = tonumber(nkeys), tonumber(nargs)
  local keys, args = {}, {}
  for i = 1, nkeys do keys[i] = KEYS[k + i] end
  for i = 1, nargs do args[i] = ARGV[a + i] end
  k, a = k + nkeys, a + nargs
  replies[#replies + 1] = steps[step](keys, args)
end
return replies
`;
}
