//! `Pending`: a reply on its way (Ray's object ref), and `wait` for whichever come first.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use futures_util::stream::{FuturesUnordered, StreamExt};
use tokio::sync::oneshot;
use tokio::time::Sleep;

use crate::colony::Placed;
use crate::wire::{GameId, Refused};
use crate::ColonyError;

/// A call's reply that has not been received yet. Await it (Ray's `ray.get`) or pass many to
/// [`wait`] (Ray's `ray.wait`). It fails with [`ColonyError::Timeout`] if no reply comes within
/// the colony's call timeout, so a lost message or a hung peer never blocks its caller forever.
pub struct Pending<T> {
    game: GameId,
    reply: Option<oneshot::Receiver<Result<T, Refused>>>,
    timeout: Option<Duration>,
    /// Started on the first poll that finds no reply yet (most local replies never need it).
    timer: Option<Pin<Box<Sleep>>>,
    /// A remote game's placement, asked on arrival whether the reply may be used.
    fence: Option<Arc<dyn Placed>>,
    /// Why a call that was never sent failed.
    unsent: Option<ColonyError>,
}

impl<T> std::fmt::Debug for Pending<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pending")
            .field("game", &self.game)
            .field("timeout", &self.timeout)
            .field("remote", &self.fence.is_some())
            .finish_non_exhaustive()
    }
}

impl<T> Pending<T> {
    pub(crate) fn new(
        game: GameId,
        reply: oneshot::Receiver<Result<T, Refused>>,
        timeout: Option<Duration>,
    ) -> Pending<T> {
        Pending {
            game,
            reply: Some(reply),
            timeout,
            timer: None,
            fence: None,
            unsent: None,
        }
    }

    /// A call that could not even be sent (the actor was already gone, or fenced).
    pub(crate) fn failed(game: GameId, why: ColonyError) -> Pending<T> {
        Pending {
            game,
            reply: None,
            timeout: None,
            timer: None,
            fence: None,
            unsent: Some(why),
        }
    }

    /// This call, its reply checked against `fence` when it arrives.
    pub(crate) fn fenced_by(mut self, fence: Option<Arc<dyn Placed>>) -> Pending<T> {
        self.fence = fence;
        self
    }

    /// The game the call went to.
    pub fn game(&self) -> GameId {
        self.game
    }

    /// This call without its own timer, and the timeout it had: a caller waiting on many calls
    /// at once (a trial's round) keeps one deadline for all of them instead of a timer each.
    pub(crate) fn untimed(mut self) -> (Pending<T>, Option<Duration>) {
        let timeout = self.timeout.take();
        (self, timeout)
    }
}

impl<T> Future for Pending<T> {
    type Output = Result<T, ColonyError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let game = self.game;
        let Some(rx) = self.reply.as_mut() else {
            return Poll::Ready(Err(self.unsent.take().unwrap_or(ColonyError::ActorGone(game))));
        };
        if let Poll::Ready(reply) = Pin::new(rx).poll(cx) {
            self.reply = None;
            // A fenced placement's reply is never used, whatever it says: the game runs elsewhere now.
            if let Some(reason) = self.fence.as_ref().and_then(|f| f.fenced()) {
                if matches!(reply, Ok(Ok(_))) {
                    tracing::warn!(%game, %reason, "stale reply refused");
                }
                return Poll::Ready(Err(ColonyError::Lost { game, reason }));
            }
            return Poll::Ready(match reply {
                Ok(Ok(value)) => Ok(value),
                Ok(Err(refused)) => Err(ColonyError::Refused {
                    game,
                    reason: refused.reason,
                }),
                Err(_) => Err(ColonyError::ActorGone(game)),
            });
        }
        let Some(after) = self.timeout else {
            return Poll::Pending;
        };
        let timer = self.timer.get_or_insert_with(|| Box::pin(tokio::time::sleep(after)));
        match timer.as_mut().poll(cx) {
            Poll::Ready(()) => {
                self.reply = None;
                Poll::Ready(Err(ColonyError::Timeout { game, after }))
            }
            Poll::Pending => Poll::Pending,
        }
    }
}

/// The result of [`wait`]: the calls that finished, in completion order, and those still pending.
#[derive(Debug)]
pub struct Waited<T> {
    /// Finished calls, first finished first.
    pub ready: Vec<(GameId, Result<T, ColonyError>)>,
    /// Calls not finished yet, in their original order.
    pub pending: Vec<Pending<T>>,
}

/// Polls a [`Pending`] without consuming it, so unfinished ones can be handed back.
struct Tagged<T> {
    index: usize,
    pending: Pending<T>,
}

impl<T> Future for Tagged<T> {
    type Output = (usize, GameId, Result<T, ColonyError>);
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let (index, game) = (self.index, self.pending.game);
        Pin::new(&mut self.pending).poll(cx).map(|r| (index, game, r))
    }
}

/// Every call's result as it finishes, in completion order: the loop the tutorial writes with
/// repeated `ray.wait(pending, num_returns=1)`, without rebuilding the set of pending calls each time.
pub fn completions<T>(pending: Vec<Pending<T>>) -> impl futures_util::Stream<Item = (GameId, Result<T, ColonyError>)> {
    pending
        .into_iter()
        .map(|pending| async move {
            let game = pending.game();
            (game, pending.await)
        })
        .collect::<FuturesUnordered<_>>()
}

/// Waits until `num_returns` of `pending` have finished (or all, if fewer), or until `timeout`
/// passes, like Ray's `ray.wait`. Finished calls come back in completion order; a call to a dead
/// actor finishes with [`ColonyError::ActorGone`].
pub async fn wait<T>(pending: Vec<Pending<T>>, num_returns: usize, timeout: Option<Duration>) -> Waited<T> {
    let mut racing: FuturesUnordered<Tagged<T>> = pending
        .into_iter()
        .enumerate()
        .map(|(index, pending)| Tagged { index, pending })
        .collect();
    let mut ready = Vec::with_capacity(num_returns.min(racing.len()));
    let deadline = timeout.map(|t| tokio::time::Instant::now() + t);
    while ready.len() < num_returns {
        let next = match deadline {
            Some(deadline) => match tokio::time::timeout_at(deadline, racing.next()).await {
                Ok(next) => next,
                Err(_) => break,
            },
            None => racing.next().await,
        };
        match next {
            Some((_, game, result)) => ready.push((game, result)),
            None => break,
        }
    }
    let mut rest: Vec<Tagged<T>> = racing.into_iter().collect();
    rest.sort_by_key(|t| t.index);
    Waited {
        ready,
        pending: rest.into_iter().map(|t| t.pending).collect(),
    }
}
