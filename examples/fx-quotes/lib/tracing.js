'use strict';
// Traces, when the platform asks for them (OTEL_EXPORTER_OTLP_ENDPOINT set): the OpenTelemetry
// Node SDK with its auto-instrumentation (node:http for what the services serve, undici for
// their fetch calls), configured by the standard OTEL_* variables (service name, resource
// attributes, exporter). Required first in each server.js, before node:http is loaded.
// Without the variable nothing is loaded, and the services need nothing from npm.

if (process.env.OTEL_EXPORTER_OTLP_ENDPOINT && process.env.OTEL_SDK_DISABLED !== 'true') {
  // No cloud detectors: they would ask metadata addresses off this machine.
  process.env.OTEL_NODE_RESOURCE_DETECTORS ||= 'env,host,os,process';
  let NodeSDK, getNodeAutoInstrumentations;
  try {
    ({ NodeSDK } = require('@opentelemetry/sdk-node'));
    ({ getNodeAutoInstrumentations } = require('@opentelemetry/auto-instrumentations-node'));
  } catch (error) {
    // serve anyway: a reader of the traces sees this service missing, and this line says why
    console.error(`tracing asked for, but the OpenTelemetry packages are missing (npm ci): ${error.message}`);
  }
  if (NodeSDK) startSdk(NodeSDK, getNodeAutoInstrumentations);
}

function startSdk(NodeSDK, getNodeAutoInstrumentations) {
  const sdk = new NodeSDK({
    instrumentations: [
      getNodeAutoInstrumentations({
        // health checks are the platform's traffic, not the system's
        '@opentelemetry/instrumentation-http': {
          ignoreIncomingRequestHook: (req) => req.url === '/healthz',
        },
        '@opentelemetry/instrumentation-fs': { enabled: false },
        '@opentelemetry/instrumentation-dns': { enabled: false },
        '@opentelemetry/instrumentation-net': { enabled: false },
      }),
    ],
  });
  sdk.start();
  const flush = () => sdk.shutdown().catch(() => {});
  process.once('beforeExit', flush);
}
