export {
  type BoolVar,
  type Config,
  ConfigError,
  type ConfigSpec,
  type DurationVar,
  defineConfig,
  type EnumVar,
  type Env,
  type IntVar,
  type ListVar,
  loadConfig,
  parseDuration,
  type StringVar,
  type UrlVar,
  type VarSpec,
} from './config.ts';
export { httpConfigSpec, kafkaConfigSpec, LOG_LEVELS, logConfigSpec, storeConfigSpec } from './shared-config.ts';
