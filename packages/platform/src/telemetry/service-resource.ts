import {
  detectResources,
  type Resource,
  resourceAttributesEnvDetector,
  resourceFromAttributes,
  serviceNameEnvDetector,
} from '@opentelemetry/resources';

/** The service's own name as `service.name`, overridden by OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES. */
export function serviceResource(serviceName: string): Resource {
  return resourceFromAttributes({ 'service.name': serviceName }).merge(
    detectResources({ detectors: [resourceAttributesEnvDetector, serviceNameEnvDetector] }),
  );
}
