//! Everything that reads a checkpoint database: whole trials, single games and listings.

use colony_life::{Rule, Topology, WORD_BITS};
use rusqlite::{params, Connection, OptionalExtension, Row};

use crate::columns::{bits_u64, from_sql_count, outcome_from_parts};
use crate::{
    blob, Checkpoint, GameRecord, GameSummary, Result, Snapshot, Store, StoreError, Timestamp, TrialId, TrialRecord,
    TrialSummary,
};

/// Columns of a checkpoint row, the board last (see [`Store::verify`]).
const CHECKPOINT_COLUMNS: &str =
    "game, generation, population, outcome, period, checksum, saved_at, length(board), board";

impl Store {
    /// A trial's record and every game's latest snapshot, read in one transaction so that they
    /// belong together, each board verified against its checksum.
    pub fn load_trial(&self, trial: TrialId) -> Result<Checkpoint> {
        let tx = self.conn.unchecked_transaction().map_err(|e| self.sql_error(e))?;
        let record = self.trial_record(&tx, trial)?;
        let mut statement = tx
            .prepare(&format!(
                "SELECT {CHECKPOINT_COLUMNS} FROM checkpoint WHERE trial = ?1 ORDER BY game"
            ))
            .map_err(|e| self.sql_error(e))?;
        let mut rows = statement.query([trial.get()]).map_err(|e| self.sql_error(e))?;
        let mut snapshots = Vec::with_capacity(record.games.len());
        while let Some(row) = rows.next().map_err(|e| self.sql_error(e))? {
            let game = self.game_number(row.get(0).map_err(|e| self.sql_error(e))?)?;
            let found = record.games.binary_search_by_key(&game, |g| g.game);
            let Some(setup) = found.ok().map(|i| &record.games[i]) else {
                return Err(self.corrupt(trial, game, "checkpoint of a game the trial does not have"));
            };
            snapshots.push(self.verify(trial, setup, row)?);
        }
        // Both lists are sorted by game number and unique, so they pair up unless one is missing.
        let mut paired = record.games.iter().zip(&snapshots);
        if let Some((missing, _)) = paired.find(|(g, s)| g.game != s.game) {
            return Err(self.corrupt(trial, missing.game, "the game has no checkpoint"));
        }
        if let Some(missing) = record.games.get(snapshots.len()) {
            return Err(self.corrupt(trial, missing.game, "the game has no checkpoint"));
        }
        Ok(Checkpoint {
            trial: record,
            snapshots,
        })
    }

    /// One game's latest snapshot, verified (for restarting a single game).
    pub fn load_game(&self, trial: TrialId, game: u32) -> Result<Snapshot> {
        let tx = self.conn.unchecked_transaction().map_err(|e| self.sql_error(e))?;
        let setup = read_games(&tx, trial, Some(game))
            .map_err(|e| self.sql_error(e))?
            .pop()
            .ok_or_else(|| self.unknown(&tx, trial, game))?;
        let setup = self.game_record(trial, setup)?;
        let mut statement = tx
            .prepare(&format!(
                "SELECT {CHECKPOINT_COLUMNS} FROM checkpoint WHERE trial = ?1 AND game = ?2"
            ))
            .map_err(|e| self.sql_error(e))?;
        let mut rows = statement
            .query(params![trial.get(), game])
            .map_err(|e| self.sql_error(e))?;
        match rows.next().map_err(|e| self.sql_error(e))? {
            Some(row) => self.verify(trial, &setup, row),
            None => Err(self.corrupt(trial, game, "the game has no checkpoint")),
        }
    }

    /// The most recently created trial, if any.
    pub fn latest_trial(&self) -> Result<Option<TrialId>> {
        self.conn
            .query_row("SELECT max(id) FROM trial", [], |r| r.get::<_, Option<i64>>(0))
            .map(|id| id.map(TrialId::new))
            .map_err(|e| self.sql_error(e))
    }

    /// Every trial with its progress, oldest first. Boards are not read.
    pub fn list_trials(&self) -> Result<Vec<TrialSummary>> {
        let sql = "SELECT t.id, t.target_generation, t.created_at, t.updated_at, t.finished_at,
                          count(g.game), coalesce(min(c.generation), 0), coalesce(max(c.generation), 0),
                          coalesce(sum(c.outcome <> 'running'), 0)
                   FROM trial t
                   LEFT JOIN game g ON g.trial = t.id
                   LEFT JOIN checkpoint c ON c.trial = g.trial AND c.game = g.game
                   GROUP BY t.id ORDER BY t.id";
        let mut statement = self.conn.prepare(sql).map_err(|e| self.sql_error(e))?;
        let rows = statement
            .query_map([], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    [r.get::<_, i64>(1)?, r.get(6)?, r.get(7)?],
                    [r.get::<_, i64>(2)?, r.get(3)?],
                    r.get::<_, Option<i64>>(4)?,
                    [r.get::<_, i64>(5)?, r.get(8)?],
                ))
            })
            .and_then(|rows| rows.collect::<rusqlite::Result<Vec<_>>>())
            .map_err(|e| self.sql_error(e))?;
        let damaged = |detail: String| StoreError::Damaged {
            path: self.path.clone(),
            detail,
        };
        rows.into_iter()
            .map(
                |(id, [target, min, max], [created, updated], finished, [games, settled])| {
                    let count = |v: i64| from_sql_count(v, "value").map_err(&damaged);
                    Ok(TrialSummary {
                        id: TrialId::new(id),
                        target_generation: count(target)?,
                        games: u32::try_from(games).map_err(|_| damaged(format!("{games} games in trial {id}")))?,
                        min_generation: count(min)?,
                        max_generation: count(max)?,
                        settled: u32::try_from(settled).map_err(|_| damaged(format!("{settled} settled games")))?,
                        created_at: Timestamp::from_unix_millis(created),
                        updated_at: Timestamp::from_unix_millis(updated),
                        finished_at: finished.map(Timestamp::from_unix_millis),
                    })
                },
            )
            .collect()
    }

    /// Every game of `trial` with its latest checkpoint, by game number. Boards are not read.
    pub fn list_games(&self, trial: TrialId) -> Result<Vec<GameSummary>> {
        let tx = self.conn.unchecked_transaction().map_err(|e| self.sql_error(e))?;
        let games = read_games(&tx, trial, None).map_err(|e| self.sql_error(e))?;
        if games.is_empty() {
            self.require_trial(trial)?;
        }
        let mut statement = tx
            .prepare_cached(
                "SELECT generation, population, outcome, period, saved_at
                 FROM checkpoint WHERE trial = ?1 AND game = ?2",
            )
            .map_err(|e| self.sql_error(e))?;
        let mut summaries = Vec::with_capacity(games.len());
        for raw in games {
            let record = self.game_record(trial, raw)?;
            let game = record.game;
            let row = statement
                .query_row(params![trial.get(), game], |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        r.get::<_, i64>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, Option<i64>>(3)?,
                        r.get::<_, i64>(4)?,
                    ))
                })
                .optional()
                .map_err(|e| self.sql_error(e))?;
            let Some((generation, population, outcome, period, saved_at)) = row else {
                return Err(self.corrupt(trial, game, "the game has no checkpoint"));
            };
            let corrupt = |reason: String| self.corrupt(trial, game, &reason);
            summaries.push(GameSummary {
                record,
                generation: from_sql_count(generation, "generation").map_err(corrupt)?,
                population: from_sql_count(population, "population").map_err(corrupt)?,
                outcome: period_outcome(&outcome, period).map_err(corrupt)?,
                saved_at: Timestamp::from_unix_millis(saved_at),
            });
        }
        Ok(summaries)
    }

    /// The trial's row and games.
    fn trial_record(&self, conn: &Connection, trial: TrialId) -> Result<TrialRecord> {
        let row = conn
            .query_row(
                "SELECT spec_json, target_generation, created_at, finished_at
                 FROM trial WHERE id = ?1",
                [trial.get()],
                |r| {
                    let finished: Option<i64> = r.get(3)?;
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, i64>(1)?,
                        r.get::<_, i64>(2)?,
                        finished,
                    ))
                },
            )
            .optional()
            .map_err(|e| self.sql_error(e))?;
        let Some((spec_json, target, created, finished)) = row else {
            return Err(StoreError::UnknownTrial {
                path: self.path.clone(),
                trial,
            });
        };
        let games = read_games(conn, trial, None)
            .map_err(|e| self.sql_error(e))?
            .into_iter()
            .map(|raw| self.game_record(trial, raw))
            .collect::<Result<Vec<_>>>()?;
        Ok(TrialRecord {
            id: trial,
            spec_json,
            target_generation: from_sql_count(target, "target generation").map_err(|detail| StoreError::Damaged {
                path: self.path.clone(),
                detail,
            })?,
            created_at: Timestamp::from_unix_millis(created),
            finished_at: finished.map(Timestamp::from_unix_millis),
            games,
        })
    }

    /// A game row, parsed and checked.
    fn game_record(&self, trial: TrialId, raw: RawGame) -> Result<GameRecord> {
        let game = self.game_number(raw.game)?;
        let corrupt = |reason: String| self.corrupt(trial, game, &reason);
        let size = |v: i64| {
            usize::try_from(v)
                .ok()
                .filter(|&s| s > 0)
                .ok_or_else(|| corrupt(format!("impossible board size {v}")))
        };
        Ok(GameRecord {
            game,
            seed: raw.seed.map(bits_u64),
            rule: raw.rule.parse::<Rule>().map_err(|e| corrupt(e.to_string()))?,
            // `plane` would parse as Golly's bounded plane; here it means the unbounded one.
            plane: raw.topology == GameRecord::PLANE,
            topology: match raw.topology.as_str() {
                GameRecord::PLANE => Topology::Torus,
                text => text.parse::<Topology>().map_err(|e| corrupt(e.to_string()))?,
            },
            width: size(raw.width)?,
            height: size(raw.height)?,
        })
    }

    /// Turns a checkpoint row (columns as in [`CHECKPOINT_COLUMNS`]) into a snapshot, checking the
    /// blob's length against the game's size *before* reading the blob, then its checksum,
    /// encoding, size and population.
    fn verify(&self, trial: TrialId, setup: &GameRecord, row: &Row<'_>) -> Result<Snapshot> {
        let game = setup.game;
        let corrupt = |reason: String| self.corrupt(trial, game, &reason);
        let fail = |e| self.sql_error(e);
        let generation = from_sql_count(row.get(1).map_err(fail)?, "generation").map_err(corrupt)?;
        let population = from_sql_count(row.get(2).map_err(fail)?, "population").map_err(corrupt)?;
        let outcome: String = row.get(3).map_err(fail)?;
        let period: Option<i64> = row.get(4).map_err(fail)?;
        let checksum = bits_u64(row.get(5).map_err(fail)?);
        let length: i64 = row.get(7).map_err(fail)?;
        if setup.plane {
            return self.verify_plane(
                trial,
                setup,
                row,
                (generation, population, checksum, length),
                outcome,
                period,
            );
        }
        let expected = setup
            .width
            .div_ceil(WORD_BITS)
            .checked_mul(setup.height)
            .and_then(|words| words.checked_mul(8))
            .and_then(|bytes| bytes.checked_add(16));
        if expected.and_then(|e| i64::try_from(e).ok()) != Some(length) {
            return Err(corrupt(format!(
                "board blob of {length} bytes cannot hold the game's {}x{} board",
                setup.width, setup.height
            )));
        }
        let bytes = row
            .get_ref(8)
            .map_err(fail)?
            .as_blob()
            .map_err(|e| corrupt(e.to_string()))?;
        let computed = blob::checksum(bytes, generation);
        if computed != checksum {
            return Err(corrupt(format!(
                "board checksum mismatch at generation {generation} (stored {checksum:016x}, computed {computed:016x})"
            )));
        }
        let board = blob::decode(bytes).map_err(corrupt)?;
        if (board.width(), board.height()) != (setup.width, setup.height) {
            return Err(corrupt(format!(
                "board is {}x{} but the game is {}x{}",
                board.width(),
                board.height(),
                setup.width,
                setup.height
            )));
        }
        if board.population() != population {
            return Err(corrupt(format!(
                "stored population {population} but the board has {}",
                board.population()
            )));
        }
        let outcome = period_outcome(&outcome, period).map_err(corrupt)?;
        Ok(Snapshot::new(game, generation, board, outcome))
    }

    /// [`Store::verify`] for a game on the plane: its blob is macrocell text, bounded by
    /// [`blob::MAX_PLANE_BLOB`] before it is read.
    fn verify_plane(
        &self,
        trial: TrialId,
        setup: &GameRecord,
        row: &Row<'_>,
        (generation, population, checksum, length): (u64, u64, u64, i64),
        outcome: String,
        period: Option<i64>,
    ) -> Result<Snapshot> {
        let game = setup.game;
        let corrupt = |reason: String| self.corrupt(trial, game, &reason);
        if !(0..=blob::MAX_PLANE_BLOB as i64).contains(&length) {
            return Err(corrupt(format!(
                "plane blob of {length} bytes is beyond the {} MiB limit",
                blob::MAX_PLANE_BLOB >> 20
            )));
        }
        let bytes = row
            .get_ref(8)
            .map_err(|e| self.sql_error(e))?
            .as_blob()
            .map_err(|e| corrupt(e.to_string()))?;
        let computed = blob::checksum(bytes, generation);
        if computed != checksum {
            return Err(corrupt(format!(
                "plane checksum mismatch at generation {generation} (stored {checksum:016x}, computed {computed:016x})"
            )));
        }
        let plane = blob::decode_plane(bytes).map_err(corrupt)?;
        if colony_life::Cells::generation(&plane) != generation {
            return Err(corrupt(format!(
                "plane is at generation {} but the checkpoint says {generation}",
                colony_life::Cells::generation(&plane)
            )));
        }
        if colony_life::Cells::population(&plane) != population {
            return Err(corrupt(format!(
                "stored population {population} but the plane has {}",
                colony_life::Cells::population(&plane)
            )));
        }
        let outcome = period_outcome(&outcome, period).map_err(corrupt)?;
        Ok(Snapshot::new(game, generation, plane, outcome))
    }

    fn game_number(&self, game: i64) -> Result<u32> {
        u32::try_from(game).map_err(|_| StoreError::Damaged {
            path: self.path.clone(),
            detail: format!("impossible game number {game}"),
        })
    }

    fn corrupt(&self, trial: TrialId, game: u32, reason: &str) -> StoreError {
        StoreError::Corrupt {
            path: self.path.clone(),
            trial,
            game,
            reason: reason.to_string(),
        }
    }

    /// The error for a game that was not found: an unknown trial or an unknown game.
    fn unknown(&self, conn: &Connection, trial: TrialId, game: u32) -> StoreError {
        match self.trial_record(conn, trial) {
            Err(error) => error,
            Ok(_) => StoreError::UnknownGame {
                path: self.path.clone(),
                trial,
                game,
            },
        }
    }

    /// Fails with [`StoreError::UnknownTrial`] unless the trial exists.
    pub(crate) fn require_trial(&self, trial: TrialId) -> Result<()> {
        let found = self
            .conn
            .query_row("SELECT 1 FROM trial WHERE id = ?1", [trial.get()], |_| Ok(()))
            .optional()
            .map_err(|e| self.sql_error(e))?;
        found.ok_or_else(|| StoreError::UnknownTrial {
            path: self.path.clone(),
            trial,
        })
    }
}

/// A game row as stored.
struct RawGame {
    game: i64,
    seed: Option<i64>,
    rule: String,
    topology: String,
    width: i64,
    height: i64,
}

/// The game rows of a trial (or one game of it), by game number.
fn read_games(conn: &Connection, trial: TrialId, game: Option<u32>) -> rusqlite::Result<Vec<RawGame>> {
    let mut statement = conn.prepare_cached(
        "SELECT game, seed, rule, topology, width, height FROM game
         WHERE trial = ?1 AND (?2 IS NULL OR game = ?2) ORDER BY game",
    )?;
    let rows = statement.query_map(params![trial.get(), game], |r| {
        Ok(RawGame {
            game: r.get(0)?,
            seed: r.get(1)?,
            rule: r.get(2)?,
            topology: r.get(3)?,
            width: r.get(4)?,
            height: r.get(5)?,
        })
    })?;
    rows.collect()
}

/// An outcome from its stored columns; a negative period (which older builds wrote for periods
/// beyond `i64::MAX`, none of which a board can have) is refused.
fn period_outcome(outcome: &str, period: Option<i64>) -> std::result::Result<colony_life::Outcome, String> {
    let period = period.map(|p| from_sql_count(p, "period")).transpose()?;
    outcome_from_parts(outcome, period)
}
