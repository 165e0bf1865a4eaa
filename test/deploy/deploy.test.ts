/** The deployment files agree with the server they deploy (no Docker engine or cluster here). */
import { describe, it, expect } from 'vitest';
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { DockerfileParser } from 'dockerfile-ast';
import { projectRoot } from '../../src/paths.ts';
import { DEFAULT_SERVER_CONFIG } from '../../server/config.ts';
import { ServerMetrics } from '../../server/metrics.ts';

describe('Kubernetes manifest', async () => {
  const docs = parseAllDocuments(await readFile(path.join(projectRoot, 'deploy/k8s/babelfish.yaml'), 'utf8'));
  const objects = docs.map((d) => {
    expect(d.errors).toEqual([]);
    return d.toJS() as Record<string, any>;
  });
  const byKind = (k: string) => objects.find((o) => o.kind === k)!;

  it('has a Deployment, a Service and an HPA with the required fields', () => {
    for (const o of objects) {
      expect(typeof o.apiVersion).toBe('string');
      expect(typeof o.metadata?.name).toBe('string');
    }
    expect(objects.map((o) => o.kind).sort()).toEqual(['Deployment', 'HorizontalPodAutoscaler', 'Service']);
  });

  it('the Deployment is ready on /healthz of the port the server listens on, with resources', () => {
    const dep = byKind('Deployment');
    expect(dep.spec.selector.matchLabels).toEqual(dep.spec.template.metadata.labels);
    const c = dep.spec.template.spec.containers[0];
    const port = c.ports.find((p: any) => p.name === c.readinessProbe.httpGet.port);
    expect(port.containerPort).toBe(DEFAULT_SERVER_CONFIG.port);
    expect(c.args).toContain(String(port.containerPort));
    expect(c.readinessProbe.httpGet.path).toBe('/healthz');
    expect(c.resources.requests.cpu).toBeDefined();
    expect(c.resources.limits.memory).toBeDefined();
  });

  it('the Service selects the pods and the HPA scales the Deployment on a metric the server exports', () => {
    const dep = byKind('Deployment');
    const svc = byKind('Service');
    const hpa = byKind('HorizontalPodAutoscaler');
    for (const [k, v] of Object.entries(svc.spec.selector)) expect(dep.spec.template.metadata.labels[k]).toBe(v);
    expect(hpa.spec.scaleTargetRef).toMatchObject({ kind: 'Deployment', name: dep.metadata.name });
    const metric = hpa.spec.metrics[0].pods.metric.name;
    expect(new ServerMetrics().render()).toContain(`# TYPE ${metric} `);
    expect(hpa.spec.minReplicas).toBeLessThanOrEqual(hpa.spec.maxReplicas);
  });
});

describe('Dockerfile', async () => {
  const text = await readFile(path.join(projectRoot, 'Dockerfile'), 'utf8');
  const df = DockerfileParser.parse(text);
  const ins = df.getInstructions();
  const named = (k: string) => ins.filter((i) => i.getKeyword() === k);

  it('parses, pins its base image and runs as a non-root user', () => {
    expect(ins.length).toBeGreaterThan(5);
    for (const from of named('FROM')) expect(from.getArgumentsContent()).toMatch(/^node:\d+[\w.-]*( AS \w+)?$/);
    expect(named('USER').at(-1)!.getArgumentsContent()).not.toBe('root');
  });

  it('copies only paths that exist and serves the default port with a /healthz check', () => {
    for (const copy of named('COPY')) {
      const args = copy.getArguments().map((a) => a.getValue()).filter((a) => !a.startsWith('--'));
      if (text.split('\n')[copy.getRange().start.line]!.includes('--from=')) continue; // from a build stage
      for (const src of args.slice(0, -1)) expect(existsSync(path.join(projectRoot, src)), src).toBe(true);
    }
    expect(named('EXPOSE')[0]!.getArgumentsContent()).toBe(String(DEFAULT_SERVER_CONFIG.port));
    expect(named('HEALTHCHECK')[0]!.getArgumentsContent()).toContain('/healthz');
    expect(named('CMD')[0]!.getArgumentsContent()).toContain('serve');
  });
});
