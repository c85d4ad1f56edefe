package db

import (
	"context"
	"database/sql/driver"
	"errors"
	"reflect"
	"unsafe"

	"modernc.org/libc"
	sqlite3 "modernc.org/sqlite/lib"
)

// A short-lived process that checks one code (two-factor verify, the PAM
// helper) is nearly always the store's last connection when it exits, and
// SQLite's last connection checkpoints the WAL into the database and
// deletes it: two more fsyncs, and the next process recreates the WAL and
// its index and syncs their directory and header, five fsyncs in all for
// one login. With Options.KeepWAL the connections are set to
// SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE: the committed transaction is durable
// in the WAL already (synchronous=FULL syncs it at COMMIT), the WAL stays
// for the next process, and wal_autocheckpoint copies it back in batches.
// Any other command closes as before, so an admin's change (a removed
// device, a rekey) is still checkpointed and the WAL emptied when it exits.

// keepWALCheckpointPages bounds the WAL a verification leaves: a commit that
// takes it past this many pages checkpoints it (PASSIVE, by that process).
// Each new process rebuilds the WAL index by reading the whole WAL, so it
// is kept small: a login writes about ten pages.
const keepWALCheckpointPages = 100

// keepWAL is a driver.Connector whose connections do not checkpoint on
// close.
type keepWAL struct{ driver.Connector }

func (k keepWAL) Connect(ctx context.Context) (driver.Conn, error) {
	c, err := k.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	// Should a driver upgrade hide the handle, the connection still works
	// and checkpoints on close as before: slower, never wrong, and
	// TestVerifyCloseKeepsWAL fails to say so.
	_ = noCheckpointOnClose(c)
	return c, nil
}

var errNoHandle = errors.New("cannot reach the SQLite handle of this modernc.org/sqlite version to keep the WAL on close")

// noCheckpointOnClose calls sqlite3_db_config(NO_CKPT_ON_CLOSE, 1) on a
// modernc.org/sqlite connection. The driver exposes no way to do this, so
// it reads the connection's handle (fields db and tls of its conn, stable
// across the versions this module has used); TestVerifyCloseKeepsWAL
// fails if an upgrade changes them.
func noCheckpointOnClose(c driver.Conn) error {
	v := reflect.ValueOf(c)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
		return errNoHandle
	}
	dbf, tlsf := v.Elem().FieldByName("db"), v.Elem().FieldByName("tls")
	if dbf.Kind() != reflect.Uintptr || tlsf.Kind() != reflect.Pointer || tlsf.Type().Elem() != reflect.TypeFor[libc.TLS]() {
		return errNoHandle
	}
	handle, tls := uintptr(dbf.Uint()), (*libc.TLS)(unsafe.Pointer(tlsf.Pointer()))
	// sqlite3_db_config(db, op, int onoff, int *pRes): two 8-byte
	// vararg slots, as the driver's own dbConfigBool lays them out.
	va := libc.Xmalloc(tls, 16)
	if va == 0 {
		return errors.New("out of memory")
	}
	defer libc.Xfree(tls, va)
	if rc := sqlite3.Xsqlite3_db_config(tls, handle, sqlite3.SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, libc.VaList(va, int32(1), uintptr(0))); rc != sqlite3.SQLITE_OK {
		return errors.New("sqlite3_db_config(NO_CKPT_ON_CLOSE) failed")
	}
	return nil
}
