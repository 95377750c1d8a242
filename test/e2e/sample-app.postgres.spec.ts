import { describeWithPostgres, describeWithRedis } from '../support/services.js';
import { usersE2eSuite } from './support/users-e2e-suite.js';

// A fresh schema per run, dropped after it.
describeWithPostgres('the sample app on PostgreSQL', () => {
  describeWithRedis('and Redis (real HTTP)', () => usersE2eSuite('postgres'));
});
