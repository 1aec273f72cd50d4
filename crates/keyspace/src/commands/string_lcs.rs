//! LCS: the longest common subsequence of two strings, by dynamic
//! programming over every pair of prefixes, walked back like Redis so that
//! IDX reports the same matches.

use bytes::Bytes;
use resp::Reply;

use super::is_string;
use crate::args;
use crate::{CmdError, CmdResult, Ctx, Keyspace};

/// Largest LCS table keel allocates (bytes); Redis tries any size and fails
/// with the same error only when the allocation fails.
const LCS_MAX_TABLE_BYTES: u64 = 256 * 1024 * 1024;

pub(super) fn lcs(ks: &Keyspace, ctx: &mut Ctx, args: &[Bytes], out: &mut Reply) -> CmdResult {
    let db = ks.db(ctx.db);
    let not_strings = || CmdError::err("The specified keys must contain string values");
    let (va, vb) = (db.get(&args[1], ctx.now_ms), db.get(&args[2], ctx.now_ms));
    if va.is_some_and(|v| !is_string(v)) || vb.is_some_and(|v| !is_string(v)) {
        return Err(not_strings());
    }
    let (mut bufa, mut bufb) = (itoa::Buffer::new(), itoa::Buffer::new());
    let a: &[u8] = va.and_then(|v| v.as_bytes(&mut bufa)).unwrap_or(b"");
    let b: &[u8] = vb.and_then(|v| v.as_bytes(&mut bufb)).unwrap_or(b"");

    let (mut want_idx, mut want_len, mut with_match_len) = (false, false, false);
    let mut min_match_len = 0u64;
    let mut j = 3;
    while j < args.len() {
        let opt = &args[j][..];
        if args::is(opt, "idx") {
            want_idx = true;
        } else if args::is(opt, "len") {
            want_len = true;
        } else if args::is(opt, "withmatchlen") {
            with_match_len = true;
        } else if args::is(opt, "minmatchlen") && j + 1 < args.len() {
            min_match_len = args::int(&args[j + 1])?.max(0) as u64;
            j += 1;
        } else {
            return Err(CmdError::Syntax);
        }
        j += 1;
    }
    if want_idx && want_len {
        return Err(CmdError::err(
            "If you want both the length and indexes, please just use IDX.",
        ));
    }

    let table = LcsTable::build(a, b)?;
    let total = table.at(a.len(), b.len());
    if want_len {
        out.int(i64::from(total));
        return Ok(());
    }
    let mut text = vec![0u8; total as usize];
    let mut runs: Vec<[u32; 4]> = Vec::new();
    table.walk(a, b, |pos, byte| text[pos] = byte, |r| runs.push(r));
    if !want_idx {
        out.bulk(&text);
        return Ok(());
    }
    runs.retain(|r| min_match_len == 0 || u64::from(r[1] - r[0] + 1) >= min_match_len);
    out.map(2);
    out.bulk(b"matches");
    out.array(runs.len());
    for [a0, a1, b0, b1] in runs {
        out.array(if with_match_len { 3 } else { 2 });
        out.array(2);
        out.int(i64::from(a0));
        out.int(i64::from(a1));
        out.array(2);
        out.int(i64::from(b0));
        out.int(i64::from(b1));
        if with_match_len {
            out.int(i64::from(a1 - a0 + 1));
        }
    }
    out.bulk(b"len");
    out.int(i64::from(total));
    Ok(())
}

/// The dynamic-programming table of the LCS lengths of every pair of
/// prefixes of `a` and `b`.
struct LcsTable {
    cells: Vec<u32>,
    width: usize,
}

impl LcsTable {
    fn build(a: &[u8], b: &[u8]) -> Result<LcsTable, CmdError> {
        let no_memory =
            || CmdError::err("Insufficient memory, failed allocating transient memory for LCS");
        let width = b.len() + 1;
        let count = (a.len() as u64 + 1).saturating_mul(width as u64);
        if count.saturating_mul(4) > LCS_MAX_TABLE_BYTES {
            return Err(no_memory());
        }
        let count = count as usize;
        let mut cells = Vec::new();
        cells.try_reserve_exact(count).map_err(|_| no_memory())?;
        cells.resize(count, 0u32);
        for i in 1..=a.len() {
            for j in 1..width {
                let here = i * width + j;
                cells[here] = if a[i - 1] == b[j - 1] {
                    cells[here - width - 1] + 1
                } else {
                    cells[here - width].max(cells[here - 1])
                };
            }
        }
        Ok(LcsTable { cells, width })
    }

    fn at(&self, i: usize, j: usize) -> u32 {
        self.cells[i * self.width + j]
    }

    /// Walks back from the ends of both strings along Redis's path (on a
    /// tie, step back in `b`), reporting each matched byte with its position
    /// in the LCS, and each run of consecutive matches as
    /// `[a_start, a_end, b_start, b_end]`, the last run first.
    fn walk(
        &self,
        a: &[u8],
        b: &[u8],
        mut byte: impl FnMut(usize, u8),
        mut run_done: impl FnMut([u32; 4]),
    ) {
        let (mut i, mut j) = (a.len(), b.len());
        let mut pos = self.at(i, j) as usize;
        let mut run: Option<[u32; 4]> = None;
        while i > 0 && j > 0 {
            if a[i - 1] == b[j - 1] {
                pos -= 1;
                byte(pos, a[i - 1]);
                let (ai, bj) = ((i - 1) as u32, (j - 1) as u32);
                let current = match run {
                    // Each match directly follows the previous one (both
                    // indexes step back together), so the run grows.
                    Some([_, a_end, _, b_end]) => [ai, a_end, bj, b_end],
                    None => [ai, ai, bj, bj],
                };
                i -= 1;
                j -= 1;
                if i == 0 || j == 0 {
                    run_done(current);
                    run = None;
                } else {
                    run = Some(current);
                }
            } else {
                if self.at(i - 1, j) > self.at(i, j - 1) {
                    i -= 1;
                } else {
                    j -= 1;
                }
                if let Some(r) = run.take() {
                    run_done(r);
                }
            }
        }
    }
}
