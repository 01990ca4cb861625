"""Configuration defaults; deployments override them with KENES_* environment variables."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

#: The project directory (templates/, static/, migrations/, instance/ are below it).
ROOT = Path(__file__).resolve().parent.parent


class Config:
    """Defaults for every setting the app reads."""

    SECRET_KEY: str | None = None
    # Keys the HMAC of the participants' anonymised ids in analyses and exports; its own setting
    # so that rotating SECRET_KEY leaves the ids unchanged. Required outside debug and tests
    # (make run keeps one in instance/analysis_id_key).
    ANALYSIS_ID_KEY: str | None = None
    DATABASE_URL: str | None = None  # default: SQLite file under instance/
    SQLALCHEMY_DATABASE_URI: str | None = None
    SQLALCHEMY_ENGINE_OPTIONS: dict[str, object] = {"pool_pre_ping": True}
    REDIS_URL: str | None = None
    MAX_CONTENT_LENGTH = 2 * 1024 * 1024
    STATEMENT_MAX_LENGTH = 2000
    PASSWORD_MIN_LENGTH = 12
    REMEMBER_COOKIE_DURATION = timedelta(days=30)
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    WTF_CSRF_ENABLED = True
    WTF_CSRF_TIME_LIMIT = None
    BABEL_DEFAULT_LOCALE = "en"
    LANGUAGES = ("en", "ru", "kk")
    RATELIMIT_ENABLED = True
    RATELIMIT_HEADERS_ENABLED = True
    RATELIMIT_STORAGE_URI: str | None = None
    RATELIMIT_STORAGE_OPTIONS: dict[str, object] = {}  # Redis: the socket timeouts are added
    # Rate limits on writes ("N per period"); new accounts get the stricter pair.
    RATE_LIMIT_LOGIN = "10 per minute"
    RATE_LIMIT_REGISTER = "5 per hour"
    RATE_LIMIT_PASSWORD_RESET = "5 per hour"
    RATE_LIMIT_POST = "20 per minute"
    RATE_LIMIT_POST_NEW_ACCOUNT = "5 per minute"
    RATE_LIMIT_VOTE = "120 per minute"
    RATE_LIMIT_VOTE_NEW_ACCOUNT = "60 per minute"
    RATE_LIMIT_IMPORTANCE = "60 per minute"
    RATE_LIMIT_TRANSLATE = "30 per minute"  # statement translations written or removed
    RATE_LIMIT_FLAG = "30 per hour"
    RATE_LIMIT_FLAG_NEW_ACCOUNT = "10 per hour"
    RATE_LIMIT_EXCLUSION = "30 per hour"
    # Failed logins per account, whatever the address (consult/auth/throttle.py): this many
    # within the window lock password login, for a back-off doubled by each further failure.
    LOGIN_MAX_FAILURES = 10
    LOGIN_FAILURE_WINDOW = 900  # seconds
    LOGIN_BACKOFF_SECONDS = 60
    LOGIN_BACKOFF_MAX = 3600
    # Passwords: at least PASSWORD_MIN_LENGTH characters and a zxcvbn score (0-4) of at least
    # this; zxcvbn ships lists of common passwords, words and names, checked offline.
    PASSWORD_MIN_SCORE = 3
    # Names no participant may take, beside staff members' names (confusable skeletons compared;
    # consult/auth/identity.py): organisations, e.g. ("Ministry of Transport", "Akimat").
    RESERVED_NAMES: tuple[str, ...] = ()
    NEW_ACCOUNT_AGE = timedelta(days=1)
    API_PER_PAGE = 50
    API_MAX_PER_PAGE = 200
    FLAG_THRESHOLD = 3
    # Suspected voting brigades: accounts created within BRIGADE_WINDOW (a timedelta; from the
    # environment, seconds) voting at least BRIGADE_MIN_SIMILARITY alike on BRIGADE_MIN_SHARED
    # common statements, in groups of BRIGADE_MIN_SIZE or more.
    BRIGADE_WINDOW = timedelta(hours=1)
    BRIGADE_MIN_SIMILARITY = 0.95
    BRIGADE_MIN_SHARED = 10
    BRIGADE_MIN_SIZE = 3
    AUDIT_CSV_MAX = 100_000  # rows in one audit-log CSV download
    RESPONSE_WORKING_DAYS = 15
    # ISO dates skipped by the working-day calendar, in addition to weekends and the holidays table.
    PUBLIC_HOLIDAYS: tuple[str, ...] = ()
    MAIL_SENDER = "log"  # "log", "memory", "smtp" or "module:factory" (notifications/mail.py)
    SMTP_URL: str | None = None  # KENES_SMTP_URL=smtp://user:password@host:587: send real e-mail
    MAIL_FROM = "Kenes <no-reply@localhost>"
    PUBLIC_URL = ""  # e.g. https://kenes.example.org: absolute links in e-mails
    RESPONSE_TOP_PER_GROUP = 3  # response_policy "representative": statements per group
    RESPONSE_TOP_STRONGEST = 10  # response_policy "strongest": arguments
    ANALYSIS_SEED = 0
    ANALYSIS_BACKGROUND = True
    # Up to this many votes a stale analysis is recomputed during the request (about a second,
    # see docs/benchmarks.md "Insights page"); above it, in the background while the last
    # result is served. With KENES_REDIS_URL, a lock makes one worker process recompute.
    ANALYSIS_INLINE_MAX_VOTES = 50_000
    # From this many votes the bridging fit runs in a separate process, on another core, while
    # the worker computes the rest of the analysis (same result; docs/benchmarks.md "National-
    # scale analysis in a worker"). None: always in the worker's own process.
    ANALYSIS_BRIDGING_PROCESS_VOTES: int | None = 200_000
    # A consultation's first analysis replays its votes in time order (one update every
    # ANALYSIS_REPLAY_EVERY votes) while it has at most ANALYSIS_REPLAY_MAX_VOTES of them
    # (consult/analysis/state.py); with more it starts from one update.
    ANALYSIS_REPLAY_EVERY = 50
    ANALYSIS_REPLAY_MAX_VOTES = 20_000
    # Display hysteresis (debate.conversation.Hysteresis, docs/analysis.md): the groups shown
    # change k only for a clearly better silhouette, and a participant changes group only for
    # a clearly closer centre. Off, the groups shown are Pol.is's as they are.
    ANALYSIS_STABLE_GROUPS = True
    # Expiry of the recomputation job's run lock; a heartbeat extends it every sixth of that
    # while the job runs, so a killed worker's lock is gone within this many seconds.
    ANALYSIS_LOCK_SECONDS = 60
    ANALYSIS_DEBOUNCE_SECONDS = 2.0  # votes arriving within this wait for one recomputation
    # A small stale analysis younger than this is served as it is while the job refreshes it.
    ANALYSIS_STALE_GRACE_SECONDS = 5.0
    # The thread page's first screen (consult/statements/thread.py): positions per page, replies
    # shown under each statement, levels, reply cards in all; the rest is one link away.
    THREAD_PAGE_SIZE = 10
    THREAD_REPLIES_SHOWN = 2
    THREAD_DEPTH = 4
    THREAD_REPLY_BUDGET = 30
    # The anonymous thread page is cached (Redis, else in-process) until the consultation's
    # content version changes; the TTL only bounds what Redis keeps of old versions.
    THREAD_CACHE = True
    THREAD_CACHE_SECONDS = 300
    THREAD_CACHE_SIZE = 256  # pages per process, in front of Redis (and without it)
    # Seconds a process serves the cached page by the content version it last read, without
    # asking the database (other processes' commits show within this bound; 0: always ask).
    THREAD_VERSION_MAX_AGE = 1.0
    # A participant's cards region is rendered once per content version and filled in per
    # viewer (consult/consultations/fragments.py), kept where the anonymous page is kept.
    THREAD_FRAGMENTS = True
    COUNTS_MAX_AGE = 5.0  # seconds a consultation's header figures may lag while votes arrive

    # --- operations: Redis, jobs, faults, logs, metrics, proxies (docs/deploy.md) ------------
    REDIS_SOCKET_TIMEOUT = 1.0  # seconds: a dead Redis must not hold a request
    REDIS_RETRY_SECONDS = 5.0  # after a Redis failure, in-process fallbacks for this long
    # Redis down: limits fall back to per-process memory (logged), never a 500.
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    RATELIMIT_SWALLOW_ERRORS = True
    # Machine translation of statements (a LibreTranslate-compatible API); off when empty.
    MT_URL = ""
    MT_API_KEY = ""
    JOBS_BACKEND = "auto"  # "celery" (auto with REDIS_URL), "thread" (auto without), "eager"
    JOBS_THREADS = 2  # in-process job threads per web process (thread backend, fallback)
    JOBS_RESULT_DIR: str | None = (
        None  # result files; default instance/jobs (shared by web+workers)
    )
    JOBS_RESULT_TTL = 24 * 3600  # seconds a result file is kept
    JOBS_VISIBILITY_TIMEOUT = 3600  # seconds before Redis re-delivers an unacknowledged job
    JOBS_REQUEUE_AFTER = 600  # a queued job nobody started after this long is handed over again
    JOBS_STALE_AFTER = 1800  # so is a running job without progress for this long
    JOBS_EXPIRE_EVERY = 600  # seconds between sweeps of expired result files
    JOBS_REQUEUE_EVERY = 300  # seconds between sweeps for lost jobs
    JOBS_SCHEDULE_IN_PROCESS = True  # thread backend: run the periodic jobs in the web process
    JOBS_SCHEDULE_TICK = 5
    JOBS_WORKER_MAX_MEMORY_KB = 0  # recycle a worker child above this resident size (0: never)
    DATABASE_RETRY_AFTER = 5  # Retry-After of the 503 answered while the database is down
    DATABASE_CONNECT_TIMEOUT = 5  # seconds (PostgreSQL)
    # Session settings of every PostgreSQL connection. JIT off: the planner's cost estimate of
    # the thread page's queries (a correlated EXISTS) crosses jit_above_cost, and compiling
    # took 76 ms of a 14 ms query (docs/benchmarks.md, "Thread page of a large consultation").
    DATABASE_OPTIONS = "-c jit=off"
    LOG_FORMAT = "auto"  # "json", "text", or "auto": text on a terminal, JSON otherwise
    LOG_LEVEL = "INFO"
    LOG_REQUESTS = True  # one log line per request (method, path, status, duration, request id)
    METRICS_TOKEN: str | None = None  # /metrics for "Authorization: Bearer <token>"
    METRICS_ALLOW: tuple[str, ...] | str = ()  # and/or for these addresses/networks
    TRUSTED_PROXIES = 0  # proxies in front whose X-Forwarded-* headers are trusted (ProxyFix)
    HSTS_SECONDS = 0  # Strict-Transport-Security max-age on HTTPS answers (0: none)
    HSTS_INCLUDE_SUBDOMAINS = True
    # Cookies only over HTTPS: None means on, except in debug mode and tests (make run sets
    # both to false for its plain-HTTP server); KENES_SESSION_COOKIE_SECURE=false turns it off.
    SESSION_COOKIE_SECURE: bool | None = None
    REMEMBER_COOKIE_SECURE: bool | None = None
    SUSPENSIONS_EXPIRE_EVERY = 60  # seconds between runs of the expire-suspensions job

    # --- recovery, verification, two-factor, personal data (docs/accounts.md) ----------------
    PASSWORD_RESET_MAX_AGE = 3600  # seconds a password-reset link works (once)
    EMAIL_VERIFY_MAX_AGE = 3 * 24 * 3600  # seconds an e-mail verification link works (once)
    # Unverified accounts read and vote; what they post waits (pending) until they confirm.
    REQUIRE_VERIFIED_EMAIL = True
    # Moderators, policymakers and admins enrol in two-factor before using the site as such.
    STAFF_TWO_FACTOR_REQUIRED = True
    TWO_FACTOR_ISSUER = "Kenes"  # the name authenticator apps show
    TWO_FACTOR_LOGIN_SECONDS = 300  # time to type the code after the password
    RATE_LIMIT_TWO_FACTOR = "5 per minute"  # code attempts, per account and per address
    RATE_LIMIT_VERIFY_EMAIL = "3 per hour"  # "send the link again"
    RATE_LIMIT_PERSONAL_DATA = "5 per hour"  # data downloads and account deletion
    PERSONAL_DATA_TTL = 24 * 3600  # seconds a personal data download is kept
