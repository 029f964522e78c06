//! The bit-parallel kernel: 64 cells per `u64`, neighbour counts formed with bit-sliced adders.
//!
//! For every row it first forms the 2-bit *horizontal* sum of each cell and its left and right
//! neighbours, then adds three such rows (above, same, below) into a 4-bit count of the 3×3 block
//! (the cell included) and applies the rule to that count. Rows are processed in bands whose
//! scratch fits in L1/L2, and each band is one flat loop over words, which the compiler vectorises;
//! the same code is compiled a second time with AVX2 enabled and picked at run time.

use std::sync::Arc;

use super::{fit, Kernel};
use crate::board::{chunk_hash, combine_chunk_hashes};
use crate::{Board, LifeError, Result, Rule, Topology};

/// Which instruction set the kernel may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Simd {
    /// AVX2 when the CPU has it (checked at run time), otherwise portable code.
    #[default]
    Auto,
    /// Portable code only (what non-AVX2 CPUs run; tests use it to cover that path).
    Portable,
}

/// Cells a board needs before its rows are split between threads: below this, waking the
/// threads costs more than they save.
const MIN_CELLS_TO_SPLIT: u64 = 1 << 16;

/// The bit-parallel kernel. Keeps its scratch between steps. With several threads, a board's
/// rows are cut into one contiguous stripe per thread, each stepped from the shared source into
/// its own part of the destination: every cell still depends only on the source, so the boards
/// are the same for every number of threads.
#[derive(Clone, Default)]
pub struct Bitwise {
    simd: Simd,
    /// Scratch per stripe: the 2-bit horizontal sums of a band and its halo rows.
    scratch: Vec<(Vec<u64>, Vec<u64>)>,
    pool: Option<Arc<rayon::ThreadPool>>,
    split_from: u64,
    /// The chunk hashes of the last keyed step's board.
    hashes: Vec<u64>,
}

impl std::fmt::Debug for Bitwise {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Bitwise")
            .field("simd", &self.simd)
            .field("threads", &self.threads())
            .finish()
    }
}

impl Bitwise {
    /// A kernel using the given instruction-set policy, on the calling thread.
    pub fn new(simd: Simd) -> Bitwise {
        Bitwise {
            simd,
            scratch: Vec::new(),
            pool: None,
            split_from: MIN_CELLS_TO_SPLIT,
            hashes: Vec::new(),
        }
    }

    /// Splits boards of at least `cells` cells between the threads (default 65,536: smaller
    /// boards step faster on one). Tests lower it to split tiny boards.
    pub fn with_split_threshold(mut self, cells: u64) -> Bitwise {
        self.split_from = cells;
        self
    }

    /// The same kernel stepping each board on `threads` threads of its own (1: the calling
    /// thread only). Fails only when the threads cannot be started.
    pub fn with_threads(mut self, threads: usize) -> Result<Bitwise> {
        self.pool = if threads > 1 {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .thread_name(|i| format!("colony-board-{i}"))
                .build()
                .map_err(|e| LifeError::Threads(format!("cannot start {threads} threads: {e}")))?;
            Some(Arc::new(pool))
        } else {
            None
        };
        Ok(self)
    }

    /// Threads a board is stepped on.
    pub fn threads(&self) -> usize {
        self.pool.as_ref().map_or(1, |p| p.current_num_threads())
    }

    /// Whether this kernel will run its AVX2 build on this CPU.
    pub fn uses_avx2(&self) -> bool {
        self.simd == Simd::Auto && avx2_available()
    }
}

/// The bits of a row's last word that hold cells.
fn padding_mask(width: usize) -> u64 {
    match width % 64 {
        0 => u64::MAX,
        bits => (1u64 << bits) - 1,
    }
}

fn avx2_available() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("avx2")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

impl Kernel for Bitwise {
    fn name(&self) -> &'static str {
        "bitwise"
    }

    fn step(&mut self, src: &Board, dst: &mut Board, rule: Rule, topology: Topology) {
        self.step_into(src, dst, rule, topology, false);
    }

    fn step_keyed(&mut self, src: &Board, dst: &mut Board, rule: Rule, topology: Topology) -> u64 {
        self.step_into(src, dst, rule, topology, true);
        combine_chunk_hashes(dst.width(), dst.height(), &self.hashes)
    }
}

impl Bitwise {
    /// Steps `src` into `dst`; with `keyed`, leaves the hash of every chunk of the cycle key in
    /// `self.hashes`, each made by the thread that wrote the chunk, right after writing it.
    fn step_into(&mut self, src: &Board, dst: &mut Board, rule: Rule, topology: Topology, keyed: bool) {
        fit(src, dst);
        let (n, h) = (src.words_per_row(), src.height());
        let threads = match &self.pool {
            Some(pool) if src.cell_count() >= self.split_from => pool.current_num_threads(),
            _ => 1,
        };
        // Bands and stripes are whole chunks of the cycle key, so a band is one chunk to hash.
        let band_rows = Board::key_chunk_rows(n);
        let chunks = h.div_ceil(band_rows);
        let stripe_chunks = chunks.div_ceil(threads.min(chunks));
        let stripe_rows = stripe_chunks * band_rows;
        let stripes = h.div_ceil(stripe_rows);
        let scratch = (band_rows.min(h) + 2) * n;
        if self.scratch.len() < stripes {
            self.scratch.resize_with(stripes, Default::default);
        }
        for (lo, hi) in &mut self.scratch[..stripes] {
            if lo.len() < scratch {
                lo.resize(scratch, 0);
                hi.resize(scratch, 0);
            }
        }
        self.hashes.clear();
        self.hashes.resize(if keyed { chunks } else { 0 }, 0);
        let job = Job {
            src,
            rule,
            topology,
            band_rows,
            avx2: self.uses_avx2(),
            keyed,
        };
        let out = dst.words_mut();
        let hashes = &mut self.hashes;
        match &self.pool {
            Some(pool) if stripes > 1 => pool.scope(|scope| {
                let mut hash_parts = hashes.chunks_mut(stripe_chunks);
                for (i, (out, (lo, hi))) in out.chunks_mut(stripe_rows * n).zip(&mut self.scratch).enumerate() {
                    let job = &job;
                    let part = hash_parts.next().unwrap_or_default();
                    scope.spawn(move |_| job.run(i * stripe_rows, out, lo, hi, part));
                }
            }),
            _ => {
                let (lo, hi) = &mut self.scratch[0];
                job.run(0, out, lo, hi, hashes);
            }
        }
        dst.clear_padding();
    }
}

struct Job<'a> {
    src: &'a Board,
    rule: Rule,
    topology: Topology,
    band_rows: usize,
    avx2: bool,
    /// Hash every band once written (one chunk of the cycle key each).
    keyed: bool,
}

impl Job<'_> {
    /// Steps the rows from `first` on that `out` holds (whole rows of the destination), and
    /// with `keyed` hashes each band into `hashes` (this stripe's chunks).
    fn run(&self, first: usize, out: &mut [u64], lo: &mut [u64], hi: &mut [u64], hashes: &mut [u64]) {
        #[cfg(target_arch = "x86_64")]
        if self.avx2 {
            // SAFETY: `avx2` is set only when the CPU supports AVX2 (`Bitwise::uses_avx2`).
            unsafe { step_avx2(self, first, out, lo, hi, hashes) };
            return;
        }
        step_rows(self, first, out, lo, hi, hashes);
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn step_avx2(job: &Job<'_>, first: usize, out: &mut [u64], lo: &mut [u64], hi: &mut [u64], hashes: &mut [u64]) {
    // The body is inlined here, so the compiler vectorises it with AVX2.
    step_rows(job, first, out, lo, hi, hashes);
}

/// Steps rows `first..first + out.len() / words_per_row` of the source into `out`.
#[inline(always)]
fn step_rows(job: &Job<'_>, first: usize, out: &mut [u64], lo: &mut [u64], hi: &mut [u64], hashes: &mut [u64]) {
    let src = job.src;
    let (n, h) = (src.words_per_row(), src.height());
    let end = first + out.len() / n;
    let mut y0 = first;
    while y0 < end {
        let y1 = (y0 + job.band_rows).min(end);
        let rows = y1 - y0;
        // Horizontal sums of rows y0-1 ..= y1: the band's own rows in one pass, then one halo row
        // each side.
        let band = &src.words()[y0 * n..y1 * n];
        horizontal_rows(
            band,
            n,
            src.width(),
            job.topology,
            &mut lo[n..(rows + 1) * n],
            &mut hi[n..(rows + 1) * n],
        );
        for (i, y) in [(0, y0 as i64 - 1), (rows + 1, y1 as i64)] {
            let (lo_row, hi_row) = (&mut lo[i * n..(i + 1) * n], &mut hi[i * n..(i + 1) * n]);
            let row = match job.topology {
                Topology::Torus => Some(src.row(y.rem_euclid(h as i64) as usize)),
                Topology::Bounded => (0..h as i64).contains(&y).then(|| src.row(y as usize)),
            };
            match row {
                Some(row) => horizontal_rows(row, n, src.width(), job.topology, lo_row, hi_row),
                None => {
                    lo_row.fill(0);
                    hi_row.fill(0);
                }
            }
        }
        let words = rows * n;
        let center = &src.words()[y0 * n..y1 * n];
        let out = &mut out[(y0 - first) * n..(y1 - first) * n];
        let (lo, hi) = (&lo[..words + 2 * n], &hi[..words + 2 * n]);
        if job.rule.is_conway() {
            vertical::<true>(lo, hi, n, center, out, job.rule);
        } else {
            vertical::<false>(lo, hi, n, center, out, job.rule);
        }
        if job.keyed {
            // The padding is cleared here, as the whole board's is after the step, so the hash
            // is the one `Board::cycle_key` computes.
            let mask = padding_mask(src.width());
            for row in out.chunks_exact_mut(n) {
                row[n - 1] &= mask;
            }
            let chunk = y0 / job.band_rows;
            if let Some(slot) = hashes.get_mut((y0 - first) / job.band_rows) {
                *slot = chunk_hash(chunk, out);
            }
        }
        y0 = y1;
    }
}

#[inline(always)]
fn add3(l: u64, c: u64, r: u64) -> (u64, u64) {
    let lc = l ^ c;
    (lc ^ r, (l & c) | (r & lc))
}

/// Horizontal sums of consecutive rows of `n` words each.
#[inline(always)]
fn horizontal_rows(rows: &[u64], n: usize, width: usize, topology: Topology, lo: &mut [u64], hi: &mut [u64]) {
    if n > 1 {
        for ((row, lo), hi) in rows
            .chunks_exact(n)
            .zip(lo.chunks_exact_mut(n))
            .zip(hi.chunks_exact_mut(n))
        {
            horizontal(row, width, topology, lo, hi);
        }
        return;
    }
    // One word per row: a single flat loop over rows, which vectorises across rows.
    let (lo, hi) = (&mut lo[..rows.len()], &mut hi[..rows.len()]);
    match (topology, width) {
        (Topology::Torus, 64) => {
            for j in 0..rows.len() {
                let c = rows[j];
                (lo[j], hi[j]) = add3(c.rotate_left(1), c, c.rotate_right(1));
            }
        }
        (Topology::Torus, _) => {
            let far = width - 1;
            for j in 0..rows.len() {
                let c = rows[j];
                (lo[j], hi[j]) = add3((c << 1) | (c >> far), c, (c >> 1) | ((c & 1) << far));
            }
        }
        (Topology::Bounded, _) => {
            for j in 0..rows.len() {
                let c = rows[j];
                (lo[j], hi[j]) = add3(c << 1, c, c >> 1);
            }
        }
    }
}

/// 2-bit sums (`lo`, `hi`) of each cell of one row of at least two words with its left and right
/// neighbours.
#[inline(always)]
fn horizontal(row: &[u64], width: usize, topology: Topology, lo: &mut [u64], hi: &mut [u64]) {
    let n = row.len();
    let torus = topology == Topology::Torus;
    // Cells that wrap in from the far edge on a torus.
    let (west_in, east_in) = if torus {
        ((row[n - 1] >> ((width - 1) % 64)) & 1, row[0] & 1)
    } else {
        (0, 0)
    };
    let last_bits = width - 64 * (n - 1);
    let c = row[0];
    (lo[0], hi[0]) = add3((c << 1) | west_in, c, (c >> 1) | (row[1] << 63));
    for i in 1..n - 1 {
        let c = row[i];
        let l = (c << 1) | (row[i - 1] >> 63);
        let r = (c >> 1) | (row[i + 1] << 63);
        (lo[i], hi[i]) = add3(l, c, r);
    }
    let c = row[n - 1];
    let l = (c << 1) | (row[n - 2] >> 63);
    let r = (c >> 1) | (east_in << (last_bits - 1));
    (lo[n - 1], hi[n - 1]) = add3(l, c, r);
}

/// Adds three rows of horizontal sums (offsets 0, n, 2n) into the 3×3 count and applies the rule.
#[inline(always)]
fn vertical<const CONWAY: bool>(lo: &[u64], hi: &[u64], n: usize, center: &[u64], out: &mut [u64], rule: Rule) {
    let words = out.len();
    let (a0, b0, c0) = (&lo[..words], &lo[n..n + words], &lo[2 * n..2 * n + words]);
    let (a1, b1, c1) = (&hi[..words], &hi[n..n + words], &hi[2 * n..2 * n + words]);
    let center = &center[..words];
    // Per count 0..=9 of the 3×3 block: all-ones when a live / dead cell with that count lives next.
    let mut alive_next = [0u64; 10];
    let mut dead_next = [0u64; 10];
    for s in 0..10u32 {
        alive_next[s as usize] = if s >= 1 && rule.next(true, s - 1) { !0 } else { 0 };
        dead_next[s as usize] = if s <= 8 && rule.next(false, s) { !0 } else { 0 };
    }
    for j in 0..words {
        let (a0, b0, c0, a1, b1, c1, x) = (a0[j], b0[j], c0[j], a1[j], b1[j], c1[j], center[j]);
        let t0 = a0 ^ b0 ^ c0;
        let k0 = (a0 & b0) | (c0 & (a0 ^ b0));
        let u = a1 ^ b1 ^ c1;
        let v = (a1 & b1) | (c1 & (a1 ^ b1));
        let t1 = u ^ k0;
        let uk = u & k0;
        let t2 = v ^ uk;
        let t3 = v & uk;
        out[j] = if CONWAY {
            // Block count 3: born or survives with 2; block count 4 with a live centre: survives with 3.
            !t3 & ((t0 & t1 & !t2) | (x & !t0 & !t1 & t2))
        } else {
            let mut next = 0;
            for s in 0..10 {
                let eq = (if s & 1 != 0 { t0 } else { !t0 })
                    & (if s & 2 != 0 { t1 } else { !t1 })
                    & (if s & 4 != 0 { t2 } else { !t2 })
                    & (if s & 8 != 0 { t3 } else { !t3 });
                next |= eq & ((x & alive_next[s]) | (!x & dead_next[s]));
            }
            next
        };
    }
}
