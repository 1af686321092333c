// The flow: each topic with the service that writes it and the groups that read it, every arrow with its rate and
// every service with its health. Drawn as two lanes of boxes (order-topic, stock-topic) that reflow on a phone.
import type { ServiceNode, TopicNode, Topology, TopologyArrow } from '../../src/console-state.ts';
import { type Health, HEALTH_LABELS, healthDetail, healthOf } from './health.ts';

export function TopologyView({ topology }: { topology: Topology }) {
  const service = (name: string) => topology.services.find((s) => s.name === name);
  return (
    <section class="card wide" aria-labelledby="topology-title">
      <h2 id="topology-title">Topology</h2>
      <div class="lanes">
        {topology.topics.map((topic) => {
          const produce = topology.arrows.filter((a) => a.kind === 'produce' && a.to === topic.name);
          const consume = topology.arrows.filter((a) => a.kind === 'consume' && a.from === topic.name);
          return (
            <ol class="lane" aria-label={`${topic.name}: who writes it and who reads it`} key={topic.name}>
              <li class="lane-producers">
                {produce.map((arrow) => (
                  <ServiceBox service={service(arrow.from)} name={arrow.from} key={arrow.from} />
                ))}
              </li>
              <li class="lane-arrow">
                {produce.map((arrow) => (
                  <Rate arrow={arrow} key={arrow.from} />
                ))}
              </li>
              <li class="lane-topic">
                <TopicBox topic={topic} />
              </li>
              <li class="lane-consumers">
                <ul>
                  {consume.map((arrow) => (
                    <li class="consumer" key={arrow.to}>
                      <Rate arrow={arrow} />
                      <ServiceBox service={service(arrow.to)} name={arrow.to} />
                    </li>
                  ))}
                </ul>
              </li>
            </ol>
          );
        })}
      </div>
    </section>
  );
}

function Rate({ arrow }: { arrow: TopologyArrow }) {
  const verb = arrow.kind === 'produce' ? 'writes to' : 'reads';
  const who = arrow.kind === 'produce' ? arrow.from : arrow.to;
  const what = arrow.kind === 'produce' ? arrow.to : arrow.from;
  return (
    <span
      class={`arrow${arrow.rate > 0 ? ' moving' : ''}`}
      data-testid={`rate-${arrow.from}-${arrow.to}`}
      title={`${who} ${verb} ${what}`}
    >
      <span class="visually-hidden">
        {who} {verb} {what}:{' '}
      </span>
      {formatRate(arrow.rate)} <span aria-hidden="true">→</span>
    </span>
  );
}

function TopicBox({ topic }: { topic: TopicNode }) {
  return (
    <div class="node topic">
      <strong>{topic.name}</strong>
      <span>
        <span data-testid={`topic-records-${topic.name}`}>{topic.records.toLocaleString('en')}</span> records
      </span>
      <span class="muted">{topic.partitions} partitions</span>
    </div>
  );
}

function ServiceBox({ service, name }: { service: ServiceNode | undefined; name: string }) {
  const health: Health = healthOf(service);
  return (
    <div class={`node service health-${health}`} data-testid={`service-${name}`} data-health={health}>
      <strong>{name}</strong>
      <span>
        <span class={`dot dot-${health}`} aria-hidden="true" /> {HEALTH_LABELS[health]}
      </span>
      <span class="muted detail">{healthDetail(service)}</span>
    </div>
  );
}

export function formatRate(rate: number): string {
  return `${rate.toLocaleString('en', { maximumFractionDigits: 1 })}/s`;
}
