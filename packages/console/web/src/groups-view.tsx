// Consumer groups: state, members and lag, a lag chart of the last 10 minutes, and lag per partition on demand.
// A group without members is dead: nothing reads its partitions, and its chart climbs while orders keep coming.
import type { ConsumerGroupView, LagSample } from '../../src/console-state.ts';
import { LagChart } from './lag-chart.tsx';
import { TableHead } from './table-head.tsx';

interface GroupsProps {
  readonly groups: readonly ConsumerGroupView[];
  readonly lagHistory: Readonly<Record<string, readonly LagSample[]>>;
  readonly at: string;
}

export function GroupsView({ groups, lagHistory, at }: GroupsProps) {
  return (
    <section class="card wide" aria-labelledby="groups-title">
      <h2 id="groups-title">Consumer groups</h2>
      {groups.length === 0 ? (
        <p class="muted">No consumer groups yet.</p>
      ) : (
        <ul class="groups">
          {groups.map((group) => (
            <GroupCard group={group} samples={lagHistory[group.group] ?? []} at={at} key={group.group} />
          ))}
        </ul>
      )}
    </section>
  );
}

function GroupCard({ group, samples, at }: { group: ConsumerGroupView; samples: readonly LagSample[]; at: string }) {
  const dead = group.members.length === 0;
  const titleId = `group-${group.group}`;
  return (
    <li
      class={`group${dead ? ' dead' : ''}`}
      data-testid={`group-${group.group}`}
      data-dead={String(dead)}
      aria-labelledby={titleId}
    >
      <div class="group-head">
        <h3 id={titleId}>{group.group}</h3>
        <span class={`badge ${dead ? 'bad' : group.state === 'Stable' ? 'ok' : 'warn'}`}>
          {dead ? `dead (${group.state})` : group.state}
        </span>
      </div>
      <dl class="facts">
        <div>
          <dt>members</dt>
          <dd>{group.members.length}</dd>
        </div>
        <div>
          <dt>lag</dt>
          <dd class={group.lag > 0 ? 'warn-text' : ''} data-testid={`lag-${group.group}`}>
            {group.lag.toLocaleString('en')}
          </dd>
        </div>
      </dl>
      <LagChart group={group.group} samples={samples} at={Date.parse(at)} />
      <details>
        <summary>Lag per partition</summary>
        <div class="scroll">
          <table>
            <TableHead columns={['topic', 'partition', '#committed', '#latest', '#lag', 'member']} />
            <tbody>
              {group.partitions.map((p) => (
                <tr key={`${p.topic}:${p.partition}`}>
                  <td>{p.topic}</td>
                  <td>{p.partition}</td>
                  <td class="num">{p.committed ?? '–'}</td>
                  <td class="num">{p.latest}</td>
                  <td class="num">{p.lag ?? '–'}</td>
                  <td class="member">{p.member ?? 'none'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </details>
    </li>
  );
}
