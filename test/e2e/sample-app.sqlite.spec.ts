import { describeWithRedis } from '../support/services.js';
import { usersE2eSuite } from './support/users-e2e-suite.js';

describeWithRedis('the sample app on SQLite and Redis (real HTTP)', () => usersE2eSuite('sqlite'));
