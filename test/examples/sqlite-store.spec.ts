// The example of docs/layers.md ("Writing your own store"): a Store over a SQLite table, and its
// conformance test, which registers its tests here as it would in a user's jest.
import '../../examples/sqlite-store.test.js';
