//! `colony checkpoints`: what a checkpoint database holds, and one game's board out of it.

use std::path::PathBuf;

use anyhow::{bail, Result};
use clap::Args;
use colony_life::pattern::{self, Format, Grid};
use colony_life::World;
use colony_store::{Store, TrialId};

use crate::budget::Budget;
use crate::input;

/// Arguments of `colony checkpoints`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:
  colony checkpoints run.db                              trials, and the latest trial's games
  colony checkpoints run.db --trial 2 --export 5 --out game5.rle")]
pub struct CheckpointsArgs {
    /// The checkpoint database.
    #[arg(value_name = "FILE.db")]
    db: PathBuf,
    /// Which trial's games to list or export [default: the latest].
    #[arg(long, value_name = "ID")]
    trial: Option<TrialId>,
    /// Export this game's latest board (needs --out).
    #[arg(long, value_name = "GAME", requires = "out")]
    export: Option<u32>,
    /// Where to write the exported board (.rle or .cells; a game on the plane: .mc or .rle).
    #[arg(long, value_name = "FILE", requires = "export")]
    out: Option<PathBuf>,
}

/// Runs `colony checkpoints`.
pub fn run(args: CheckpointsArgs, _budget: &Budget) -> Result<()> {
    let out_file = match &args.out {
        Some(out) => {
            super::durable::check_output("--out", out, Some(&args.db))?;
            Some(input::Output::create("--out", out)?)
        }
        None => None,
    };
    // Listing and exporting only read: a database in a read-only folder works too. An older
    // schema is migrated, which needs a connection that writes.
    let store = match Store::open_read_only(&args.db) {
        Err(colony_store::StoreError::NeedsMigration { .. }) => Store::open(&args.db)?,
        other => other?,
    };
    let trials = store.list_trials()?;
    let Some(latest) = trials.last() else {
        say!("{}: no trials", args.db.display())?;
        return Ok(());
    };
    let trial = args.trial.unwrap_or(latest.id);
    if let (Some(game), Some(out)) = (args.export, out_file) {
        return export(&store, trial, game, out);
    }
    say!(
        "{:>5}  {:<24} {:>6} {:>10} {:>21} {:>8}  status",
        "trial",
        "created",
        "games",
        "target",
        "generations",
        "settled"
    )?;
    for t in &trials {
        let status = match (t.finished_at, t.is_complete()) {
            (Some(at), _) => format!("finished {at}"),
            (None, true) => "complete".to_string(),
            (None, false) => format!("unfinished (last saved {})", t.updated_at),
        };
        say!(
            "{:>5}  {:<24} {:>6} {:>10} {:>10}..{:<9} {:>8}  {status}",
            t.id.to_string(),
            t.created_at.to_string(),
            t.games,
            t.target_generation,
            t.min_generation,
            t.max_generation,
            t.settled
        )?;
    }
    say!("\ngames of trial {trial}:")?;
    say!(
        "{:>6} {:>20} {:>11} {:>11}  {:<24} {:<24}",
        "game",
        "seed",
        "generation",
        "population",
        "outcome",
        "saved"
    )?;
    for g in store.list_games(trial)? {
        let seed = g.record.seed.map_or("-".to_string(), |s| s.to_string());
        say!(
            "{:>6} {:>20} {:>11} {:>11}  {:<24} {:<24}",
            g.record.game,
            seed,
            g.generation,
            g.population,
            g.outcome.to_string(),
            g.saved_at.to_string()
        )?;
    }
    Ok(())
}

fn export(store: &Store, trial: TrialId, game: u32, output: input::Output) -> Result<()> {
    let out = output.path().to_path_buf();
    let extension = out.extension().and_then(|e| e.to_str()).unwrap_or_default();
    let macrocell = extension.eq_ignore_ascii_case("mc");
    let format = Format::from_path_extension(extension);
    if format.is_none() && !macrocell {
        bail!(
            "--out {}: the file name must end in .rle, .cells or (for games on the plane) .mc",
            out.display()
        );
    }
    let checkpoint = store.load_trial(trial)?;
    let Some(record) = checkpoint.trial.games.iter().find(|g| g.game == game) else {
        bail!(
            "trial {trial} has no game {game} (it has {})",
            checkpoint.trial.games.len()
        );
    };
    let Some(snapshot) = checkpoint.snapshot(game) else {
        bail!("trial {trial} holds no board for game {game}");
    };
    let name = format!("trial {trial} game {game} generation {}", snapshot.generation);
    let text = match (&snapshot.board, format) {
        (World::Plane(plane), _) if macrocell => plane.write_macrocell(),
        (World::Plane(plane), Some(Format::Rle)) => pattern::write_rle_plane(plane, record.rule, Some(&name)),
        (World::Plane(_), _) => bail!(
            "--out {}: game {game} is on the plane; write it as .mc (macrocell) or .rle",
            out.display()
        ),
        (World::Board(_), None) => bail!(
            "--out {}: .mc holds the unbounded plane, and game {game} is a board; write it as .rle or .cells",
            out.display()
        ),
        (World::Board(board), Some(Format::Rle)) => {
            let grid = Grid {
                topology: record.topology,
                width: record.width,
                height: record.height,
            };
            pattern::write_rle(board, record.rule, Some(grid), Some(&name))
        }
        (World::Board(board), Some(Format::Plaintext)) => pattern::write_plaintext(board, None),
    };
    output.write(&text)?;
    say!(
        "game {game} of trial {trial} at generation {} (population {}) written to {}",
        snapshot.generation,
        snapshot.population(),
        out.display()
    )?;
    Ok(())
}
