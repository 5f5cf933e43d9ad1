package app

import (
	"context"
	"database/sql"
	"time"

	"github.com/cairn-pl/cairn/internal/jobs"
	"github.com/cairn-pl/cairn/internal/store"
)

// maintenanceJob keeps SQLite healthy: PRAGMA optimize and a WAL
// checkpoint once a day, rescheduling itself.
const maintenanceJob = "db.maint"

const maintenanceEvery = 24 * time.Hour

func (a *App) maintain(ctx context.Context, _ jobs.Job) error {
	if err := a.Store.Optimize(ctx); err != nil {
		return err
	}
	_, err := a.Jobs.Enqueue(ctx, maintenanceJob, struct{}{}, jobs.After(maintenanceEvery))
	return err
}

// scheduleMaintenance makes sure exactly one maintenance job is queued,
// checking and enqueueing in one transaction so restarts do not pile
// them up.
func (a *App) scheduleMaintenance(ctx context.Context) error {
	return a.Store.Tx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM jobs WHERE kind = ? AND state != 'failed'", maintenanceJob).Scan(&n); err != nil {
			return store.MapErr(err)
		}
		if n > 0 {
			return nil
		}
		_, err := a.Jobs.EnqueueTx(ctx, tx, maintenanceJob, struct{}{}, jobs.After(time.Hour))
		return err
	})
}
