import { afterAll, afterEach, beforeAll, beforeEach, expect, it, jest } from '@jest/globals';
import { Cluster } from 'ioredis';
import { RedisInvalidationBus, RedisStore } from '../../lib/redis/index.js';
import {
  describeWithCluster,
  releaseTestCluster,
  testClusterNodes,
  type ClusterNodeAddress,
} from '../support/redis-cluster.js';

/** ioredis's own defaults are 100 ms for each retry delay, and 20 retries per command on a node. */
const FAIL_FAST_CLUSTER = { retryDelayOnFailover: 0, retryDelayOnClusterDown: 0, retryDelayOnTryAgain: 0 };
const FAIL_FAST_NODE = {
  autoResendUnfulfilledCommands: false,
  maxRetriesPerRequest: 0,
  connectTimeout: 2000,
  disconnectTimeout: 200,
};

const spyOnConnect = () => jest.spyOn(Cluster.prototype, 'connect');

describeWithCluster('fail-fast defaults of the cluster connections a store or a bus opens', () => {
  let nodes: ClusterNodeAddress[];
  /** The Cluster clients created since the test started (each connects as it is built). */
  let connecting: ReturnType<typeof spyOnConnect>;
  const created = () => [...new Set(connecting.mock.contexts as Cluster[])];

  beforeAll(async () => {
    nodes = await testClusterNodes();
  });
  beforeEach(() => {
    connecting = spyOnConnect();
  });
  afterEach(() => connecting.mockRestore());
  afterAll(() => releaseTestCluster());

  it('a RedisStore from cluster: { nodes }: retries at once, and its node connections fail fast', async () => {
    const store = new RedisStore<string>({ cluster: { nodes } });
    try {
      const client = store.client as Cluster;
      await store.get('fail-fast-probe'); // connected: the node connections exist
      expect(client.options).toMatchObject(FAIL_FAST_CLUSTER);
      expect(client.options.redisOptions).toMatchObject({ ...FAIL_FAST_NODE, socketTimeout: 2000 });
      expect(client.nodes().length).toBeGreaterThan(0);
      for (const node of client.nodes()) expect(node.options).toMatchObject(FAIL_FAST_NODE);
    } finally {
      await store.close();
    }
  });

  it("a RedisStore: the application's cluster and node options win, key by key", async () => {
    const store = new RedisStore<string>({
      cluster: {
        nodes,
        options: {
          retryDelayOnFailover: 50,
          redisOptions: { connectTimeout: 5000, maxRetriesPerRequest: 1 },
        },
      },
    });
    try {
      const client = store.client as Cluster;
      await store.get('fail-fast-probe');
      expect(client.options).toMatchObject({ ...FAIL_FAST_CLUSTER, retryDelayOnFailover: 50 });
      const node = { ...FAIL_FAST_NODE, connectTimeout: 5000, maxRetriesPerRequest: 1 };
      expect(client.options.redisOptions).toMatchObject(node);
      for (const each of client.nodes()) expect(each.options).toMatchObject(node);
    } finally {
      await store.close();
    }
  });

  it('a RedisInvalidationBus from cluster: { nodes }: both its connections retry at once and fail fast', async () => {
    const bus = new RedisInvalidationBus({ cluster: { nodes }, channel: 'fail-fast:invalidation' });
    try {
      await bus.subscribe(() => {});
      await bus.publish(['k']);
      const clients = created();
      expect(clients).toHaveLength(2); // the publisher and the subscriber
      for (const client of clients) {
        expect(client.options).toMatchObject(FAIL_FAST_CLUSTER);
        expect(client.options.redisOptions).toMatchObject(FAIL_FAST_NODE);
        for (const node of client.nodes()) expect(node.options).toMatchObject(FAIL_FAST_NODE);
      }
    } finally {
      await bus.close();
    }
  });

  it("a RedisInvalidationBus: the application's options win, on both connections", async () => {
    const bus = new RedisInvalidationBus({
      cluster: {
        nodes,
        options: { retryDelayOnClusterDown: 300, redisOptions: { connectTimeout: 5000 } },
      },
      channel: 'fail-fast:invalidation',
    });
    try {
      await bus.subscribe(() => {});
      await bus.publish(['k']);
      const clients = created();
      expect(clients).toHaveLength(2);
      for (const client of clients) {
        expect(client.options).toMatchObject({ ...FAIL_FAST_CLUSTER, retryDelayOnClusterDown: 300 });
        expect(client.options.redisOptions).toMatchObject({ ...FAIL_FAST_NODE, connectTimeout: 5000 });
      }
    } finally {
      await bus.close();
    }
  });
});
