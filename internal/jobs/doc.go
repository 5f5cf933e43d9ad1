// Package jobs is Cairn's durable job queue, stored in the jobs table of the
// one SQLite database.
//
// A job is enqueued inside the caller's transaction (EnqueueTx), so it
// exists if and only if the caller's write committed. Workers (Run) claim
// due jobs one at a time with a single UPDATE … RETURNING that sets
// state='running' and a lease (locked_until). A job whose handler succeeds
// is deleted; one that fails is rescheduled with exponential backoff until
// max_attempts, then left as state='failed' with last_error for the owner
// to retry or delete.
//
// Crash safety comes from the lease: a job claimed by a process that died
// stays 'running' until locked_until passes, and then any worker claims it
// again. Handlers must therefore be safe to run more than once.
//
// All writes go through the store's single writer connection (db.W) and
// all reads through the reader pool (db.R). Logs carry kind, id, attempt
// and error only, never payloads: they may hold secrets.
package jobs
