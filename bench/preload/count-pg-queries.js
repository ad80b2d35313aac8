'use strict';
/*
 * Preloaded into the bench's API processes (`node -r bench/preload/count-pg-queries.js
 * dist/main.js`): counts the statements the process sends to PostgreSQL (every
 * `pg.Client#query`, pooled or not; BEGIN and COMMIT included, as they are round trips too).
 * The bench asks for the count over the IPC channel. Never loaded outside the bench.
 */
const pg = require('pg');

let queries = 0;
const query = pg.Client.prototype.query;
pg.Client.prototype.query = function countedQuery(...args) {
  queries++;
  return query.apply(this, args);
};

if (typeof process.send === 'function') {
  process.on('message', (message) => {
    if (message && message.type === 'bench:pg-queries') {
      process.send({ type: 'bench:pg-queries', id: message.id, queries });
    }
  });
}
