"""One Redis pipeline per event-loop turn, shared by the limit store and the response cache.

Every command submitted during one turn of the event loop (the admissions and cache reads of
all requests in flight) goes to Redis as one pipeline on the next turn: one round trip however
many requests are in flight, instead of one each. Writes that nobody waits for (a budget
commit, a cache store) are *deferred*: they ride along with the next pipeline, or go on their
own after ``linger_s`` when nothing else comes.

One pipeline is on the wire at a time; what is submitted meanwhile waits for the next one, so
under load the batches grow instead of the number of connections, and commands reach Redis
in the order they were submitted (a store's read after its own write sees the write).

Connections come from a bounded pool (``BlockingConnectionPool``): a burst of operations waits
for a free connection instead of opening one per operation (a hundred connects at once could
exceed the connect timeout and turn into errors).

A process's stores on the same Redis URL share one batcher (``SharedBatcher``), so the cache
read and the admission of a request, and those of every other request of the turn, travel in
one pipeline.

CPU per command (issue 17): redis-py's generic path costs more than the round trip it saves
(its packer encodes every argument through a chain of type checks; the pool's check-out and
check-in, a timeout per answer and a task per write come with every pipeline). So a command is
packed when it is submitted, straight into RESP bytes (``command``), from arguments the stores
keep pre-encoded (``Run``: a budget's three keys, say, the same on every request); the batcher
keeps one connection of the pool for itself (one pipeline is on the wire at a time anyway) and
reads a pipeline's answers under one deadline with the connection's own parser (hiredis when
installed). redis-py still connects, authenticates, selects the database and parses.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

log = logging.getLogger("turnout.limits")

# A pipeline larger than this is split: Redis answers the first part while the rest waits.
MAX_BATCH = 512
DEFAULT_LINGER_S = 0.01  # a deferred write waits at most this long for company
DEFAULT_POOL_SIZE = 16

OnError = Callable[[BaseException], None]
Arg = bytes | str | int | float


def bulk(value: Arg) -> bytes:
    """One argument as a RESP bulk string (numbers as their decimal text, as redis-py sends them)."""
    data = value if isinstance(value, bytes) else str(value).encode()
    return b"$%d\r\n%s\r\n" % (len(data), data)


class Run(NamedTuple):
    """Arguments encoded once and reused (a budget's keys, a rate limit's key and limits)."""

    data: bytes
    n: int

    @classmethod
    def of(cls, *values: Arg) -> Run:
        return cls(b"".join(map(bulk, values)), len(values))


def command(*parts: Arg | Run) -> bytes:
    """A command as RESP bytes, ready for the wire: its arguments, some of them ``Run``s.
    (Two per keyed request, of a dozen parts each: ``bulk`` is inlined, and a ``Run`` is
    told by its class, as nothing derives from it.)"""
    chunks: list[bytes] = []
    n = 0
    for part in parts:
        if part.__class__ is Run:
            data, count = part
            chunks.append(data)
            n += count
        else:
            data = part if part.__class__ is bytes else str(part).encode()
            chunks.append(b"$%d\r\n%s\r\n" % (len(data), data))
            n += 1
    return b"*%d\r\n%s" % (n, b"".join(chunks))


class Script:
    """A Lua script run by its SHA1 (loaded into Redis on the first NOSCRIPT)."""

    __slots__ = ("head", "sha")

    def __init__(self, source: str) -> None:
        self.sha = hashlib.sha1(source.encode()).hexdigest()
        self.head = Run.of("EVALSHA", self.sha)
        _SOURCES[self.sha] = source

    def call(self, nkeys: int, *parts: Arg | Run) -> bytes:
        """``EVALSHA`` of this script: ``nkeys`` keys, then the arguments, all in ``parts``."""
        return command(self.head, nkeys, *parts)


_SOURCES: dict[str, str] = {}  # sha -> source of every Script, for NOSCRIPT


def make_pool_client(url: str, *, connect_timeout_s: float, timeout_s: float,
                     max_connections: int = DEFAULT_POOL_SIZE) -> Any:
    """A bytes-answering asyncio client on a bounded pool that fails fast (no retries: an
    admission must not hang, and a resent pipeline could apply a script twice)."""
    import redis.asyncio as aredis
    from redis.asyncio.retry import Retry
    from redis.backoff import NoBackoff

    pool = aredis.BlockingConnectionPool.from_url(
        url,
        max_connections=max_connections,
        timeout=connect_timeout_s + timeout_s,  # waiting for a free connection is bounded too
        socket_connect_timeout=connect_timeout_s,
        socket_timeout=timeout_s,
        retry=Retry(NoBackoff(), 0),
        health_check_interval=30,
    )
    return aredis.Redis(connection_pool=pool)


# A queued command: its RESP bytes, the script it runs (for NOSCRIPT) or None, then the future
# its caller awaits (None: deferred) and the error handler of a deferred one.
_Queued = tuple[bytes, "Script | None", "asyncio.Future[Any] | None", "OnError | None"]


class Batcher:
    """Collects commands and sends them as one pipeline per loop turn (see the module doc)."""

    def __init__(self, client: Any, *, linger_s: float = DEFAULT_LINGER_S, owns_client: bool = True,
                 timeout_s: float | None = None) -> None:
        self.client = client
        self.linger_s = linger_s
        # How long a pipeline's answers may take, all of them (the pool's socket timeout).
        self.timeout_s = timeout_s or client.connection_pool.connection_kwargs.get("socket_timeout") or 1.0
        self._owns_client = owns_client
        self._queue: list[_Queued] = []
        self._waiting = False  # a command someone waits for is queued
        self._loop: asyncio.AbstractEventLoop | None = None
        self._timer: asyncio.TimerHandle | None = None  # the linger of deferred writes
        self._busy: asyncio.Task[None] | None = None
        self._conn: Any = None  # this batcher's connection, taken from the pool once
        # Kept here, not imported in ``_send`` / ``_pipeline``: an import statement in a function
        # costs ~8k instructions on every call, and those run on every pipeline.
        from redis.exceptions import NoScriptError, ResponseError

        self._no_script: type[Exception] = NoScriptError
        self._response_error: type[Exception] = ResponseError
        self.users = 0  # stores sharing it (SharedBatcher)
        self.pipelines = 0  # round trips sent (for tests and benches)
        self.commands = 0

    # -- submitting ------------------------------------------------------------------------
    def send(self, packed: bytes, script: Script | None = None) -> asyncio.Future[Any]:
        """Queue one packed command (``command``, ``Script.call``) for the next pipeline; await
        the future for its answer (or its error). Queued at the call, not at the await: commands
        keep the callers' order."""
        loop = self._bind()
        fut: asyncio.Future[Any] = loop.create_future()
        self._queue.append((packed, script, fut, None))
        if not self._waiting:
            self._waiting = True
            self._kick(loop)
        return fut

    def send_later(self, packed: bytes, script: Script | None = None, on_error: OnError | None = None) -> None:
        """Send a packed command with the next pipeline (or after ``linger_s``); nobody waits
        for it. ``on_error`` gets its error (a Redis error answer or an unreachable Redis)."""
        loop = self._bind()
        self._queue.append((packed, script, None, on_error))
        self._kick(loop)

    def call(self, *args: Arg) -> asyncio.Future[Any]:
        return self.send(command(*args))

    def eval(self, script: Script, keys: Sequence[Arg], args: Sequence[Arg]) -> asyncio.Future[Any]:
        return self.send(script.call(len(keys), *keys, *args), script)

    def defer(self, args: tuple[Arg, ...], on_error: OnError | None = None) -> None:
        self.send_later(command(*args), None, on_error)

    def defer_eval(self, script: Script, keys: Sequence[Arg], args: Sequence[Arg],
                   on_error: OnError | None = None) -> None:
        self.send_later(script.call(len(keys), *keys, *args), script, on_error)

    @property
    def pending(self) -> bool:
        return bool(self._queue) or self._busy is not None

    async def flush(self) -> None:
        """Wait until everything submitted so far has been answered."""
        while self._queue or self._busy is not None:
            if self._busy is None:
                self._start(self._bind())
            assert self._busy is not None
            await asyncio.wait({self._busy})

    # -- sending ---------------------------------------------------------------------------
    def _bind(self) -> asyncio.AbstractEventLoop:
        loop = asyncio.get_running_loop()
        if loop is not self._loop:  # first use, or the store moved to another (the old one is gone)
            self._loop, self._timer, self._busy, self._waiting = loop, None, None, False
            self._queue = []
            self._conn = None  # a connection belongs to the loop that opened it
        return loop

    def _kick(self, loop: asyncio.AbstractEventLoop) -> None:
        if self._busy is not None:
            return  # the sender is on its way or on the wire: it takes what is queued next
        if self._waiting:
            self._start(loop)
        elif self._timer is None:
            self._timer = loop.call_later(self.linger_s, self._lingered)

    def _lingered(self) -> None:
        self._timer = None
        if self._busy is None and self._queue and self._loop is not None:
            self._start(self._loop)

    def _start(self, loop: asyncio.AbstractEventLoop) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        # The sender's first step runs on the next turn of the loop: it takes everything
        # queued until then, which is what makes one pipeline of one turn's commands.
        self._busy = loop.create_task(self._sender(), name="turnout-redis-pipeline")

    async def _sender(self) -> None:
        try:
            while self._queue:
                batch = self._queue[:MAX_BATCH]
                del self._queue[:MAX_BATCH]
                self._waiting = any(q[2] is not None for q in self._queue)
                await self._run(batch)
                if not self._waiting:
                    break  # only deferred writes left (or nothing): they may linger
        finally:
            self._busy = None
            if self._queue and self._loop is not None and not self._loop.is_closed():
                self._kick(self._loop)

    async def _run(self, batch: list[_Queued]) -> None:
        try:
            answers: list[Any] = await self._send(batch)
        except Exception as exc:  # unreachable or timed out: every command of the batch failed
            answers = [exc] * len(batch)
        except BaseException as exc:  # cancelled (loop shutting down): tell the waiters, stop
            self._answer(batch, [exc] * len(batch))
            raise
        self._answer(batch, answers)

    @staticmethod
    def _answer(batch: list[_Queued], answers: list[Any]) -> None:
        for (_, _, fut, on_error), answer in zip(batch, answers, strict=True):
            if isinstance(answer, BaseException):
                if fut is not None:
                    if not fut.done():
                        fut.set_exception(answer)
                elif on_error is not None:
                    try:
                        on_error(answer)
                    except Exception:
                        log.exception("error handler of a deferred Redis command failed")
            elif fut is not None and not fut.done():
                fut.set_result(answer)

    async def _send(self, batch: list[_Queued]) -> list[Any]:
        self.pipelines += 1
        self.commands += len(batch)
        answers = await self._pipeline([q[0] for q in batch])
        no_script = self._no_script
        missing = [i for i, a in enumerate(answers) if isinstance(a, no_script)]
        if missing:  # Redis restarted or flushed its scripts: load them, run those again
            scripts = {q[1].sha: q[1] for q in (batch[i] for i in missing) if q[1] is not None}
            await self._pipeline([command("SCRIPT", "LOAD", _SOURCES[sha]) for sha in scripts])
            again = await self._pipeline([batch[i][0] for i in missing])
            for i, answer in zip(missing, again, strict=True):
                answers[i] = answer
        return answers

    async def _connection(self) -> Any:
        """This batcher's connection: taken from the pool once and kept (one pipeline is on the
        wire at a time), checked before each pipeline as the pool checks a connection it hands
        out: one the server closed, or with unread data, is reconnected before anything is sent
        on it (so nothing is ever sent twice)."""
        conn = self._conn
        if conn is None:
            conn = self._conn = await self.client.connection_pool.get_connection()
            # No write timeout of the connection's own: with one, redis-py runs every write in
            # a task of its own (``asyncio.wait_for``, ~10 µs a pipeline); the pipeline's
            # deadline (``_pipeline``) bounds the write as well as the answers.
            conn.socket_timeout = None
            return conn
        if conn.is_connected:
            try:
                stale = await _can_read(conn)
            except Exception:  # closed by the server, reset: reconnect
                stale = True
            if stale:
                await conn.disconnect()
        return conn  # redis-py connects a disconnected connection on its next send

    async def _pipeline(self, commands: list[bytes]) -> list[Any]:
        conn = await self._connection()
        try:
            answers: list[Any] = []
            # One deadline for the write and all the answers; the connection's parser answers
            # a Redis error as a value (a ResponseError), so the rest of the pipeline follows.
            async with asyncio.timeout(self.timeout_s):
                await conn.send_packed_command(b"".join(commands), check_health=False)
                read = getattr(conn, "_parser", None)
                read = getattr(read, "read_response", None)
                if read is not None:
                    for _ in commands:
                        answers.append(await read())
                else:  # a redis-py without the parser attribute: the public, slower way
                    for _ in commands:
                        try:
                            answers.append(await conn.read_response())
                        except self._response_error as exc:
                            answers.append(exc)
        except BaseException as exc:
            await conn.disconnect()  # unread answers would go to the next pipeline
            if isinstance(exc, TimeoutError):
                from redis.exceptions import TimeoutError as RedisTimeout

                raise RedisTimeout("Timeout reading from Redis") from exc
            raise
        return answers

    async def aclose(self) -> None:
        """Send what is queued, then close the connections (when this batcher owns them)."""
        try:
            if self._loop is asyncio.get_running_loop():
                await asyncio.wait_for(self.flush(), timeout=5.0)
        except (TimeoutError, RuntimeError):
            log.warning("Redis commands still queued at shutdown were dropped")
        conn, self._conn = self._conn, None
        if conn is not None:
            conn.socket_timeout = self.client.connection_pool.connection_kwargs.get("socket_timeout")
            try:
                await self.client.connection_pool.release(conn)
            except Exception:  # closing anyway
                log.debug("error returning the batcher's Redis connection", exc_info=True)
        if self._owns_client:
            await self.client.aclose()


async def _can_read(conn: Any) -> bool:
    # ``can_read`` (redis-py 6+) only looks; ``can_read_destructive`` (5.x) reads ahead.
    check = getattr(conn, "can_read", None) or conn.can_read_destructive
    return bool(await check())


# (url, event loop) -> the batcher of that Redis in that loop (redis-py connections belong to
# the loop that opened them, so a store used from a second loop gets a second batcher).
_shared: dict[tuple[str, asyncio.AbstractEventLoop], Batcher] = {}


class SharedBatcher:
    """A store's handle on the batcher every store on ``url`` uses in this process and loop
    (the first one's timeouts apply), taken on first use and given back by ``release``."""

    def __init__(self, url: str, *, connect_timeout_s: float, timeout_s: float, client: Any = None) -> None:
        self.url = url
        self.connect_timeout_s = connect_timeout_s
        self.timeout_s = timeout_s
        self._client = client  # given: this store's own batcher on it, shared with nobody
        self._batcher: Batcher | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def get(self) -> Batcher:
        loop = asyncio.get_running_loop()
        if self._batcher is not None and loop is self._loop:
            return self._batcher
        if self._client is not None:
            self._batcher = self._batcher or Batcher(self._client, owns_client=False)
        else:
            key = (self.url, loop)
            batcher = _shared.get(key)
            if batcher is None:
                client = make_pool_client(self.url, connect_timeout_s=self.connect_timeout_s,
                                          timeout_s=self.timeout_s)
                batcher = _shared[key] = Batcher(client)
            batcher.users += 1
            self._batcher = batcher
        self._loop = loop
        return self._batcher

    @property
    def client(self) -> Any:
        return self.get().client

    def same(self, other: SharedBatcher) -> bool:
        """True when both handles use one batcher (so one script may read both stores' keys)."""
        return self._client is None and other._client is None and self.url == other.url

    async def release(self) -> None:
        """Send what this process queued; the last store of a shared batcher closes it."""
        batcher, loop, self._batcher = self._batcher, self._loop, None
        if batcher is None:
            return
        if self._client is not None:
            await batcher.aclose()
            return
        batcher.users -= 1
        if batcher.users > 0:
            await batcher.flush()
            return
        assert loop is not None
        if _shared.get((self.url, loop)) is batcher:
            del _shared[(self.url, loop)]
        await batcher.aclose()
