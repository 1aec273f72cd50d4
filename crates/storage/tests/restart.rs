//! An emptied log can start again below its purge point.

use std::sync::Arc;

use bytes::Bytes;
use storage::{MemVfs, Vfs, Wal, WalError, WalOptions};

fn open(vfs: &Arc<dyn Vfs>) -> Wal {
    Wal::open(vfs.clone(), "/wal", WalOptions::default())
        .expect("open")
        .0
}

#[test]
fn restart_below_the_purge_point_only_when_empty() {
    let vfs: Arc<dyn Vfs> = Arc::new(MemVfs::new());
    let mut wal = open(&vfs);
    for i in 0..3 {
        wal.append(i, Bytes::from(format!("e{i}"))).expect("append");
    }
    wal.sync().expect("sync");
    assert!(
        matches!(wal.restart_at(1), Err(WalError::InvalidArgument(_))),
        "entries present"
    );
    wal.purge_to(5, Bytes::from_static(b"id")).expect("purge");
    assert!(matches!(
        wal.append(1, Bytes::from_static(b"x")),
        Err(WalError::OutOfOrder {
            expected: 6,
            got: 1
        })
    ));
    wal.restart_at(1).expect("restart");
    wal.append(1, Bytes::from_static(b"again"))
        .expect("append after restart");
    wal.sync().expect("sync");
    drop(wal);
    let wal = open(&vfs);
    assert_eq!(wal.reader().purged(), Some(0));
    assert_eq!(
        wal.reader().read(1).expect("read"),
        Some(Bytes::from_static(b"again"))
    );
}
