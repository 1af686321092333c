// Dead-letter topics: how many records each holds and the latest reasons, with a redrive that always shows its dry
// run first (what would go back, and where) and sends only after a second, explicit confirmation.
import { useState } from 'preact/hooks';
import type { DeadLetterTopicView, RedriveResult } from '../../src/console-state.ts';
import { postJson } from './api.ts';
import { TableHead } from './table-head.tsx';

export function DeadLettersView({ deadLetters }: { deadLetters: readonly DeadLetterTopicView[] }) {
  return (
    <section class="card" aria-labelledby="dlq-title">
      <h2 id="dlq-title">Dead letters</h2>
      {deadLetters.length === 0 ? (
        <p class="muted">No dead-letter topics: nothing has failed for good.</p>
      ) : (
        <ul class="dlqs">
          {deadLetters.map((topic) => (
            <DeadLetterTopic topic={topic} key={topic.topic} />
          ))}
        </ul>
      )}
    </section>
  );
}

type RedriveStep =
  | { readonly kind: 'idle' }
  | { readonly kind: 'busy' }
  | { readonly kind: 'planned'; readonly plan: RedriveResult }
  | { readonly kind: 'done'; readonly result: RedriveResult }
  | { readonly kind: 'failed'; readonly text: string };

function DeadLetterTopic({ topic }: { topic: DeadLetterTopicView }) {
  const [step, setStep] = useState<RedriveStep>({ kind: 'idle' });
  const redrive = async (dryRun: boolean) => {
    setStep({ kind: 'busy' });
    const result = await postJson<RedriveResult>(`api/dead-letters/${encodeURIComponent(topic.topic)}/redrive`, {
      dryRun,
    });
    if (!result.ok) setStep({ kind: 'failed', text: result.problem });
    else setStep(dryRun ? { kind: 'planned', plan: result.body } : { kind: 'done', result: result.body });
  };
  const titleId = `dlq-${topic.topic}`;
  return (
    <li class="dlq" aria-labelledby={titleId} data-testid={`dlq-${topic.topic}`}>
      <div class="group-head">
        <h3 id={titleId} class="mono">
          {topic.topic}
        </h3>
        <span class={`badge ${topic.count > 0 ? 'bad' : 'ok'}`}>{topic.count.toLocaleString('en')} records</span>
      </div>
      <p class="muted">
        {topic.group} could not process these from {topic.sourceTopic}.
      </p>
      {topic.latest.length > 0 && (
        <div class="scroll">
          <table>
            <TableHead columns={['at', 'key', 'code', 'reason']} />
            <tbody>
              {topic.latest.map((entry) => (
                <tr key={`${entry.partition}:${entry.offset}`}>
                  <td>
                    {entry.failedAt === null
                      ? `${entry.partition}:${entry.offset}`
                      : new Date(entry.failedAt).toLocaleTimeString()}
                  </td>
                  <td class="mono">{entry.key ?? '–'}</td>
                  <td class="mono">{entry.errorCode}</td>
                  <td>{entry.reason}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <div class="actions" role="group" aria-label={`redrive ${topic.topic}`}>
        {step.kind === 'planned' ? (
          <>
            <button type="button" class="danger" onClick={() => void redrive(false)} disabled={step.plan.records === 0}>
              Redrive {step.plan.records} to {step.plan.target}
            </button>
            <button type="button" onClick={() => setStep({ kind: 'idle' })}>
              Cancel
            </button>
          </>
        ) : (
          <button type="button" onClick={() => void redrive(true)} disabled={step.kind === 'busy' || topic.count === 0}>
            Redrive… (dry run first)
          </button>
        )}
      </div>
      <p role="status" aria-live="polite" class="outcome">
        {step.kind === 'planned' &&
          (step.plan.records === 0
            ? 'Dry run: nothing to redrive (everything here was redriven before).'
            : `Dry run: ${step.plan.records} record(s) would go back to ${step.plan.target}. Nothing was sent yet.`)}
        {step.kind === 'done' && `Sent ${step.result.records} record(s) back to ${step.result.target}.`}
        {step.kind === 'failed' && <span class="bad">Redrive failed: {step.text}</span>}
      </p>
    </li>
  );
}
