"""The context managers as decorators of generator functions: the block lasts the iteration.

`@llm_call(model)` (or `@agent_turn`, `@tool_call`) on a function that yields (a streamed
answer) would otherwise end when the generator object is created, before any chunk exists: a
duration of ~0 and no failure seen. Here the block starts at the first `next()` and ends when
the generator returns, raises or is closed; its first item is its first token (`first_token()`,
for a model call and a turn; a text item only once it is not blank). The span is current only
while the generator's own code runs, one step at a time, so the consumer's code between items
never runs inside it, and a generator left unfinished and closed later (by another task, by
garbage collection) detaches what it attached in the same step. Closing a stream early (a
`break`, a client that went away) ends a call's block as a success and abandons a turn (the
user gave up before its end: `scope.closed()`); an exception from the generator, or thrown into
it, ends it as a failure and propagates unchanged.

The wrappers are generator functions themselves, so frameworks that tell streaming callables
by their kind (ADK's streaming tools, `inspect.isasyncgenfunction`) still see one; the sync and
async ones mirror each other line for line (`send`/`asend`, `throw`/`athrow`, `close`/`aclose`,
`await`), which one body cannot express.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import AsyncGenerator, Callable, Generator, Iterator
from typing import Any, Protocol


class Scope(Protocol):
    """What the wrappers need of a context manager (instrument/calls.py's `_Scope`)."""

    def __enter__(self) -> Any: ...

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None: ...

    def suspend(self) -> None: ...

    def resume(self) -> None: ...

    def closed(self) -> None: ...


def blank(text: str) -> bool:
    """Text no user can read: empty or only white space (no first token; the ADK plugin's
    streamed chunks use the same test). str.strip, not the text's own methods: a str subclass's
    may raise into the agent."""
    return not str.strip(text)


def _first_item(scope: Scope) -> Callable[[Any], None]:
    """What to call at every item: the first one is the block's first token (a model call's and
    a turn's; a tool call has none). A text item counts once it shows text (not "" nor only
    whitespace, as a client's first delta often is); any other item counts as it comes."""
    first_token: Callable[[], None] | None = getattr(scope, "first_token", None)
    if first_token is None:
        return lambda item: None

    shown = False

    def seen(item: Any) -> None:
        nonlocal shown
        if shown or (isinstance(item, str) and blank(item)):
            return
        shown = True
        first_token()

    return seen


def _step(scope: Scope, fn: Callable[..., Any], *args: Any) -> Any:
    """`fn(*args)` with the scope's span (and turn) current."""
    scope.resume()
    try:
        return fn(*args)
    finally:
        scope.suspend()


def _end(scope: Scope, failure: BaseException | None) -> None:
    scope.resume()
    if failure is None:
        scope.__exit__(None, None, None)
    else:
        scope.__exit__(type(failure), failure, failure.__traceback__)


@contextlib.contextmanager
def _ending(scope: Scope) -> Iterator[None]:
    """Ends the scope when the wrapped generator ends: as a failure when an exception leaves
    it, as a success when it returns, as closed (`scope.closed()`) when it is closed early
    (GeneratorExit: the consumer stopped reading)."""
    try:
        yield
    except GeneratorExit:
        scope.closed()
        _end(scope, None)
        raise
    except BaseException as exc:
        _end(scope, exc)
        raise
    _end(scope, None)


def _start(
    make: Callable[[], Scope], func: Callable[..., Any], args: Any, kwargs: Any
) -> tuple[Scope, Any]:
    """A fresh scope, entered (its span started, then not current), and `func`'s generator
    object, made inside it."""
    scope = make()
    scope.__enter__()
    scope.suspend()
    try:
        return scope, _step(scope, functools.partial(func, *args, **kwargs))
    except BaseException as exc:  # the arguments do not fit `func`: the block ends failed
        _end(scope, exc)
        raise


def wrap_generator(make: Callable[[], Scope], func: Callable[..., Any]) -> Callable[..., Any]:
    """`func` (a generator function) with a fresh scope (`make()`) around each iteration."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Generator[Any, Any, Any]:
        scope, gen = _start(make, func, args, kwargs)
        with _ending(scope):
            action: Callable[[Any], Any] = gen.send
            arg: Any = None
            item_seen = _first_item(scope)
            while True:
                try:
                    item = _step(scope, action, arg)
                except StopIteration as stop:
                    return stop.value
                item_seen(item)
                try:
                    arg = yield item
                    action = gen.send
                except GeneratorExit:
                    _step(scope, gen.close)
                    raise
                except BaseException as exc:  # thrown in by the consumer: the generator's
                    action, arg = gen.throw, exc

    return wrapper


def wrap_async_generator(make: Callable[[], Scope], func: Callable[..., Any]) -> Callable[..., Any]:
    """`func` (an async generator function) with a fresh scope around each iteration."""

    @functools.wraps(func)
    async def wrapper(*args: Any, **kwargs: Any) -> AsyncGenerator[Any, Any]:
        scope, agen = _start(make, func, args, kwargs)
        with _ending(scope):
            action: Callable[[Any], Any] = agen.asend
            arg: Any = None
            item_seen = _first_item(scope)
            while True:
                scope.resume()
                try:
                    item = await action(arg)
                except StopAsyncIteration:
                    return
                finally:
                    scope.suspend()
                item_seen(item)
                try:
                    arg = yield item
                    action = agen.asend
                except GeneratorExit:
                    scope.resume()
                    try:
                        await agen.aclose()
                    finally:
                        scope.suspend()
                    raise
                except BaseException as exc:
                    action, arg = agen.athrow, exc

    return wrapper
