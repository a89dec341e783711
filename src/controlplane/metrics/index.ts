export { answerMetrics, metricsVerb, parseMetricsPath, type MetricsRequest } from './metrics-api.js';
export { METRICS_GROUP, METRICS_VERSION, metricsAggregatedGroup, metricsApiGroup, metricsResourceList } from './discovery.js';
export { MetricsStorage } from './metrics-storage.js';
export { DEFAULT_METRIC_RESOLUTION_MS, MetricsScraper } from './scraper.js';
export { decodeBatch } from './metrics-batch.js';
export { bytesQuantity, cpuQuantity, goDuration } from './quantity.js';
export { parsePrometheusSamples } from './prometheus-text.js';
export { ApiServerMetrics, type RequestAttributes } from './apiserver-metrics.js';
export { PROMETHEUS_TEXT } from './exposition.js';
