export { type RunningBroker, type StartBrokerOptions, startBroker } from './broker.ts';
export type { BrokerConfig, FsyncPolicy } from './broker-config.ts';
export { defaultBrokerConfig } from './broker-config.ts';
export { BrokerOptionError, brokerOptionsHelp, parseBrokerOptions } from './broker-options.ts';
