"""Audio features and audio analysis (both removed for new and development-mode apps in November 2024).

Float fields are not coerced: JSON ``1`` stays ``int`` 1, which is a valid ``float`` for type checkers and saves a
call per number (a full analysis has tens of thousands of numbers).
"""

import attrs

__all__ = [
    "AudioAnalysis",
    "AudioAnalysisMeta",
    "AudioAnalysisTrack",
    "AudioFeatures",
    "Section",
    "Segment",
    "TimeInterval",
]


@attrs.define(slots=True, kw_only=True)
class AudioFeatures:
    """Acoustic attributes of one track."""

    id: str
    acousticness: float | None = None
    analysis_url: str | None = None
    danceability: float | None = None
    duration_ms: int | None = None
    energy: float | None = None
    instrumentalness: float | None = None
    key: int | None = None
    liveness: float | None = None
    loudness: float | None = None
    mode: int | None = None
    speechiness: float | None = None
    tempo: float | None = None
    time_signature: int | None = None
    track_href: str | None = None
    type: str = "audio_features"
    uri: str | None = None
    valence: float | None = None


@attrs.define(slots=True, kw_only=True)
class TimeInterval:
    """A bar, beat or tatum."""

    start: float
    duration: float
    confidence: float | None = None


@attrs.define(slots=True, kw_only=True)
class Section:
    """A large section of a track (chorus, verse...)."""

    start: float
    duration: float
    confidence: float | None = None
    loudness: float | None = None
    tempo: float | None = None
    tempo_confidence: float | None = None
    key: int | None = None
    key_confidence: float | None = None
    mode: int | None = None
    mode_confidence: float | None = None
    time_signature: int | None = None
    time_signature_confidence: float | None = None


@attrs.define(slots=True, kw_only=True)
class Segment:
    """A short, roughly consistent sound; ``pitches`` and ``timbre`` have 12 values each."""

    start: float
    duration: float
    confidence: float | None = None
    loudness_start: float | None = None
    loudness_max: float | None = None
    loudness_max_time: float | None = None
    loudness_end: float | None = None
    pitches: list[float] = attrs.Factory(list)
    timbre: list[float] = attrs.Factory(list)


@attrs.define(slots=True, kw_only=True)
class AudioAnalysisMeta:
    """How the analysis was made."""

    analyzer_version: str | None = None
    platform: str | None = None
    detailed_status: str | None = None
    status_code: int | None = None
    timestamp: int | None = None
    analysis_time: float | None = None
    input_process: str | None = None


@attrs.define(slots=True, kw_only=True)
class AudioAnalysisTrack:
    """Whole-track analysis values (and the fingerprint strings Spotify no longer fills)."""

    num_samples: int | None = None
    duration: float | None = None
    sample_md5: str | None = None
    offset_seconds: float | None = None
    window_seconds: float | None = None
    analysis_sample_rate: int | None = None
    analysis_channels: int | None = None
    end_of_fade_in: float | None = None
    start_of_fade_out: float | None = None
    loudness: float | None = None
    tempo: float | None = None
    tempo_confidence: float | None = None
    time_signature: int | None = None
    time_signature_confidence: float | None = None
    key: int | None = None
    key_confidence: float | None = None
    mode: int | None = None
    mode_confidence: float | None = None
    codestring: str | None = None
    code_version: float | None = None
    echoprintstring: str | None = None
    echoprint_version: float | None = None
    synchstring: str | None = None
    synch_version: float | None = None
    rhythmstring: str | None = None
    rhythm_version: float | None = None


@attrs.define(slots=True, kw_only=True)
class AudioAnalysis:
    """``GET /audio-analysis/{id}``."""

    meta: AudioAnalysisMeta | None = None
    track: AudioAnalysisTrack | None = None
    bars: list[TimeInterval | None] = attrs.Factory(list)
    beats: list[TimeInterval | None] = attrs.Factory(list)
    sections: list[Section | None] = attrs.Factory(list)
    segments: list[Segment | None] = attrs.Factory(list)
    tatums: list[TimeInterval | None] = attrs.Factory(list)
