"""The citizens' side: one follower does one thing, or a drive of many at a chosen rate.

Every action changes the emulator's state the way Zalo's would (a message or a follow opens the
consultation window, an unfollow ends following) before the signed webhook goes out, so what the
platform then sends back meets the same rules as in production.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping

from caunoi.channels.zalo.emulator.events import (
    Event,
    attachment_message,
    chatnow_event,
    follow_event,
    submit_info_event,
    user_event,
)
from caunoi.channels.zalo.emulator.population import Follower
from caunoi.channels.zalo.emulator.state import Drive, EmulatorState
from caunoi.channels.zalo.emulator.texts import TOPICS, citizen_message

ATTACHMENT_KINDS = ("image", "file", "location", "sticker", "link")
DEFAULT_KINDS: dict[str, float] = {
    "user_send_text": 70,
    "user_send_image": 6,
    "user_send_file": 2,
    "user_send_location": 3,
    "user_send_sticker": 4,
    "user_send_link": 2,
    "follow": 6,
    "unfollow": 2,
    "user_submit_info": 3,
    "user_click_chatnow": 2,
}
_PICK_TRIES = 20


class NoCandidate(LookupError):
    """No follower can do this now (nobody left to unfollow, say)."""


def _pick(state: EmulatorState, user_id: str | None, fits: Callable[[Follower], bool]) -> Follower:
    if user_id is not None:
        person = state.followers.get(user_id)
        if person is None or not fits(person):
            raise NoCandidate(f"user {user_id} cannot do that now")
        return person
    for _ in range(_PICK_TRIES):
        person = state.followers[state.rng.choice(state.user_ids)]
        if fits(person):
            return person
    raise NoCandidate("no follower found for this event")


def _resident_of(state: EmulatorState, commune_code: str) -> Follower:
    """Someone living in that commune (for a burst of messages from one place)."""
    people = [p for p in state.followers.values() if p.place and p.place.commune_code == commune_code]
    if not people:
        raise NoCandidate(f"no follower lives in commune {commune_code}")
    return state.rng.choice(people)


def _newcomer(state: EmulatorState, *, following: bool) -> Follower:
    now = state.clock()
    person = state.maker.person(now=now, following=following, last_interaction=now)
    state.add_person(person)
    return person


def citizen_event(
    state: EmulatorState,
    kind: str,
    *,
    user_id: str | None = None,
    text: str | None = None,
    topic: str = "",
    commune_code: str = "",
) -> tuple[Event, str]:
    """Make one follower cause ``kind`` and send its webhook; returns the event and its topic, if any.

    ``topic`` and ``commune_code`` make a burst: texts about one issue from people of one commune.
    """
    config = state.config
    wanted_topic = topic
    topic = ""  # what the text turned out to be about (the one asked for, in a burst)
    with state.lock:
        now = state.clock()
        if kind.startswith("user_send_"):
            media = kind.removeprefix("user_send_")
            if media != "text" and media not in ATTACHMENT_KINDS:
                raise ValueError(f"unknown event {kind}")
            if commune_code and user_id is None:
                person = _resident_of(state, commune_code)
            else:
                person = _pick(state, user_id, lambda p: True)
            msg_id = state.new_msg_id()
            if media == "text":
                if text is None:
                    commune = person.place.commune_name if person.place else ""
                    topic, text = citizen_message(
                        state.rng, place=person.village, commune=commune, topic=wanted_topic
                    )
                message = {"msg_id": msg_id, "text": text}
            else:
                media_url = f"{state.base_url}/_media"
                if media in ("image", "file"):
                    state.media_expires[msg_id] = now + config.media_ttl_s
                message = attachment_message(
                    media,
                    state.rng,
                    media_url=media_url,
                    msg_id=msg_id,
                    center=config.location_center,
                    spread=config.location_spread,
                )
            state.interact(person, now)
            event = user_event(config, person, kind, message, now)
        elif kind == "follow":
            if user_id is None and state.rng.random() < 0.5:
                person = _newcomer(state, following=True)
            else:
                person = _pick(state, user_id, lambda p: not p.is_follower)
            person.is_follower, person.followed_at = True, now
            state.interact(person, now)
            event = follow_event(config, person, "follow", state.maker.follow_source(), now)
        elif kind == "unfollow":
            person = _pick(state, user_id, lambda p: p.is_follower)
            person.is_follower = False
            event = follow_event(config, person, "unfollow", "oa_profile", now)
        elif kind == "user_click_chatnow":
            if user_id is None and state.rng.random() < 0.6:
                person = _newcomer(state, following=False)
            else:
                person = _pick(state, user_id, lambda p: not p.clicked_chatnow)
            person.clicked_chatnow = True
            state.interact(person, now)
            event = chatnow_event(config, person, now)
        elif kind == "user_submit_info":
            person = _pick(state, user_id, lambda p: True)
            event = submit_info_event(config, person, now)
        else:
            raise ValueError(f"unknown event {kind}")
        state.emit(event)
    return event, topic


def plan_drive(
    state: EmulatorState,
    *,
    events: int,
    rate_per_second: float,
    kinds: Mapping[str, float] | None = None,
    topic: str = "",
    commune_code: str = "",
) -> Drive:
    """Check the request and register the drive, so the admin API can answer before it runs."""
    if topic and topic not in TOPICS:
        raise ValueError(f"unknown topic {topic!r}; one of: {', '.join(sorted(TOPICS))}")
    if commune_code:
        with state.lock:
            try:
                _resident_of(state, commune_code)
            except NoCandidate as exc:  # say so now, not halfway through the drive
                raise ValueError(str(exc)) from None
    weights = dict(kinds or DEFAULT_KINDS)
    unknown = set(weights) - set(DEFAULT_KINDS)
    if unknown:
        raise ValueError(f"unknown kinds: {', '.join(sorted(unknown))}")
    if events < 0 or not any(w > 0 for w in weights.values()) or any(w < 0 for w in weights.values()):
        raise ValueError("events must be ≥ 0 and the kinds need a positive weight")
    with state.lock:
        drive = Drive(len(state.drives) + 1, events, rate_per_second, weights, topic, commune_code)
        state.drives.append(drive)
    return drive


def run_drive(state: EmulatorState, drive: Drive, *, stop: threading.Event | None = None) -> Drive:
    """Emit the drive's events at its rate (as fast as possible when the rate is 0)."""
    stop = stop or threading.Event()
    names, weights = list(drive.kinds), list(drive.kinds.values())
    drive.started_at = time.time()
    start = time.monotonic()
    for number in range(drive.requested):
        if drive.rate_per_second > 0:
            wait = start + number / drive.rate_per_second - time.monotonic()
            if wait > 0 and stop.wait(wait):
                break
        elif stop.is_set():
            break
        with state.lock:
            kind = state.rng.choices(names, weights)[0]
        burst = {"topic": drive.topic, "commune_code": drive.commune_code}
        try:
            _, topic = citizen_event(state, kind, **burst)
        except NoCandidate:
            kind = "user_send_text"
            _, topic = citizen_event(state, kind, **burst)
        with state.lock:
            drive.emitted[kind] += 1
            if topic:
                drive.topics[topic] += 1
    with state.lock:
        drive.finished_at = time.time()
    return drive


def drive(
    state: EmulatorState,
    *,
    events: int,
    rate_per_second: float,
    kinds: Mapping[str, float] | None = None,
    topic: str = "",
    commune_code: str = "",
    stop: threading.Event | None = None,
) -> Drive:
    """Run a drive to the end in the calling thread (the Python form of ``POST /_admin/drive``)."""
    plan = plan_drive(
        state,
        events=events,
        rate_per_second=rate_per_second,
        kinds=kinds,
        topic=topic,
        commune_code=commune_code,
    )
    return run_drive(state, plan, stop=stop)
