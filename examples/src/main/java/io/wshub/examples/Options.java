package io.wshub.examples;

import io.wshub.api.HistoryConfig;
import io.wshub.api.ServerConfig;
import io.wshub.redis.RedisHubConfig;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * The examples' command line, parsed by a pure function ({@link #parse(String...)}) so that it can be tested without
 * starting anything or exiting the JVM.
 *
 * <p>Thread-safety: immutable.
 *
 * @param mode which example to run; not null
 * @param transport the transport's name, {@code undertow} or {@code java-websocket}; not null
 * @param host the host to bind and to print; not null
 * @param port the WebSocket port, 0 for an ephemeral one
 * @param path the WebSocket path, starting with {@code /}; not null
 * @param history how many chat messages the chat's history keeps, 1 to {@value #MAX_HISTORY}
 * @param historyTtl how long the chat's history keeps a message, 1 ms to 30 days; not null
 * @param redis the chat's Redis URI ({@code --redis}), as given, or null for a chat on its own; checked when the chat
 *              starts ({@link #redisConfig()}), not here
 */
public record Options(Mode mode, String transport, String host, int port, String path, int history,
                      Duration historyTtl, String redis) {

    /** The examples this jar runs. */
    public enum Mode {
        /** Every text and binary message goes back to its sender. */
        ECHO,
        /** Every text and binary message goes to every client; a browser page is served too. */
        CHAT
    }

    /**
     * The most chat messages {@code --history} may keep: a replay goes through the client's outbound queue, which
     * holds 1,024 messages ({@link ServerConfig#maxQueuedMessages()}), so that the largest replay, the recovery frame
     * and a few live messages always fit.
     */
    public static final int MAX_HISTORY = 1_000;

    /** The transports this jar bundles. */
    public static final List<String> TRANSPORTS = List.of("undertow", "java-websocket");

    /** The usage text {@code --help} prints. */
    public static final String USAGE = String.join(System.lineSeparator(),
            "usage: java -jar wshub-examples.jar [echo|chat] [options]",
            "",
            "  echo                 every message goes back to its sender",
            "  chat                 every message goes to every client, and a chat page is served (default)",
            "",
            "options:",
            "  --transport NAME     undertow or java-websocket (default undertow)",
            "  --host HOST          address to bind (default 127.0.0.1)",
            "  --port N             WebSocket port, 0 for any free port (default 8080)",
            "  --path /P            WebSocket path (default /ws)",
            "  --history N          chat: how many messages a reconnecting client can catch up on (default "
                    + ChatServer.DEFAULT_HISTORY + ")",
            "  --history-ttl T      chat: for how long, such as 90s, 5m or 2h (default 5m)",
            "  --redis URI          chat: be one node of a chat shared by every process on this Redis,",
            "                       such as redis://127.0.0.1:6379 (default: none, a chat on its own)",
            "  -h, --help           print this help",
            "",
            "When ready it prints 'listening ws://HOST:PORT/PATH' and, for chat, 'page http://HOST:PORT/':",
            "the chat page is served on the next port up (PORT+1), or on any free port with --port 0.",
            "Ctrl-C stops it; clients get close code 1001.",
            "");

    /**
     * Validates the fields.
     *
     * @throws IllegalArgumentException if a field is out of range
     * @throws NullPointerException if a field is null
     */
    public Options {
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(transport, "transport");
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(historyTtl, "historyTtl");
        String wrong = checkTransport(transport);
        if (wrong == null) {
            wrong = checkHost(host);
        }
        if (wrong == null) {
            wrong = port < 0 || port > 65535 ? "--port must be 0 to 65535, was " + port : null;
        }
        if (wrong == null && mode == Mode.CHAT && port == 65535) {
            wrong = "--port must be 0 to 65534 for chat, whose page is served on the next port up, was 65535";
        }
        if (wrong == null) {
            wrong = checkPath(path);
        }
        if (wrong == null && (history < 1 || history > MAX_HISTORY)) {
            wrong = "--history must be 1 to " + MAX_HISTORY + " (a replay must fit a client's queue of "
                    + ServerConfig.builder().build().maxQueuedMessages() + " messages), was " + history;
        }
        if (wrong == null && (historyTtl.compareTo(HistoryConfig.MIN_TTL) < 0
                || historyTtl.compareTo(HistoryConfig.MAX_TTL) > 0)) {
            wrong = "--history-ttl must be 1ms to 30d, was " + formatDuration(historyTtl);
        }
        if (wrong == null && redis != null && mode != Mode.CHAT) {
            wrong = "--redis is for chat only: echo has nothing to share between processes";
        }
        if (wrong != null) {
            throw new IllegalArgumentException(wrong);
        }
    }

    /**
     * Creates options for a chat on its own (no {@code --redis}).
     *
     * @param mode which example to run; not null
     * @param transport the transport's name; not null
     * @param host the host to bind; not null
     * @param port the WebSocket port, 0 for an ephemeral one
     * @param path the WebSocket path; not null
     * @param history how many chat messages the history keeps
     * @param historyTtl how long the history keeps a chat message; not null
     * @throws IllegalArgumentException if a field is out of range
     */
    public Options(Mode mode, String transport, String host, int port, String path, int history,
                   Duration historyTtl) {
        this(mode, transport, host, port, path, history, historyTtl, null);
    }

    /**
     * Creates options with the chat's default history bounds ({@link ChatServer#DEFAULT_HISTORY},
     * {@link ChatServer#DEFAULT_HISTORY_TTL}) and no {@code --redis}.
     *
     * @param mode which example to run; not null
     * @param transport the transport's name; not null
     * @param host the host to bind; not null
     * @param port the WebSocket port, 0 for an ephemeral one
     * @param path the WebSocket path; not null
     * @throws IllegalArgumentException if a field is out of range
     */
    public Options(Mode mode, String transport, String host, int port, String path) {
        this(mode, transport, host, port, path, ChatServer.DEFAULT_HISTORY, ChatServer.DEFAULT_HISTORY_TTL);
    }

    /**
     * Returns the defaults: chat on Undertow at {@code ws://127.0.0.1:8080/ws}.
     *
     * @return the default options
     */
    public static Options defaults() {
        return new Options(Mode.CHAT, "undertow", "127.0.0.1", 8080, "/ws");
    }

    /**
     * Returns the server config these options describe, with every other value at its default.
     *
     * @return the config; never null
     */
    public ServerConfig serverConfig() {
        return ServerConfig.builder().host(host).port(port).path(path).build();
    }

    /**
     * Returns the configuration of the chat's Redis node, with the chat's history bounds as the bounds of the Redis
     * Stream that every node recovers from.
     *
     * @return the configuration, or null when no {@code --redis} was given
     * @throws IllegalArgumentException if {@code --redis} is not a Redis URI; the message names the option and says
     *                                  what is wrong in one line, without any password the URI holds
     */
    public RedisHubConfig redisConfig() {
        if (redis == null) {
            return null;
        }
        try {
            return RedisHubConfig.builder(redis)
                    .streamSize(history)
                    .streamTtl(historyTtl)
                    .metaTtl(historyTtl.compareTo(Duration.ofDays(1)) > 0 ? historyTtl : Duration.ofDays(1))
                    .build();
        } catch (IllegalArgumentException e) {
            Throwable why = e.getCause() != null && e.getCause().getMessage() != null ? e.getCause() : e;
            throw new IllegalArgumentException("--redis must be a Redis URI such as redis://127.0.0.1:6379, was '"
                    + withoutPassword(redis) + "' (" + withoutPassword(oneLine(why.getMessage())) + ")", e);
        }
    }

    /** A URI as it may be printed: anything between {@code ://} and {@code @} (a user and password) as {@code ***}. */
    static String withoutPassword(String uri) {
        int scheme = uri.indexOf("://");
        int at = uri.lastIndexOf('@');
        return scheme >= 0 && at > scheme ? uri.substring(0, scheme + 3) + "***" + uri.substring(at) : uri;
    }

    /** A message as one line: line breaks and runs of spaces as one space, no space at either end. */
    static String oneLine(String message) {
        return message == null ? "" : message.strip().replaceAll("\\s+", " ");
    }

    /**
     * Returns the chat page's port: the next port up from the WebSocket port, or 0 (any free port) when that is 0.
     *
     * @return the page server's port
     */
    public int pagePort() {
        return port == 0 ? 0 : port + 1;
    }

    /**
     * Returns a host as it appears in a URI: an IPv6 literal in brackets, anything else as it is.
     *
     * @param host a host name or address; not null
     * @return the host for a URI; never null
     */
    public static String uriHost(String host) {
        return host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
    }

    /**
     * Parses a command line. Flags take their value as the next argument or after {@code =}, as in
     * {@code --port 0} or {@code --port=0}; the mode may come anywhere; {@code --help} anywhere wins.
     *
     * @param args the arguments; not null
     * @return {@link Parsed.Run} with the options, {@link Parsed.Help}, or {@link Parsed.Invalid} saying what is
     *         wrong; never null
     */
    public static Parsed parse(String... args) {
        Options d = defaults();
        Mode mode = null;
        String transport = d.transport();
        String host = d.host();
        String port = String.valueOf(d.port());
        String path = d.path();
        String history = String.valueOf(d.history());
        String historyTtl = formatDuration(d.historyTtl());
        String redis = null;
        if (List.of(args).contains("--help") || List.of(args).contains("-h")) {
            return new Parsed.Help();
        }
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (!arg.startsWith("-")) {
                if (mode != null) {
                    return new Parsed.Invalid("only one mode may be given, got '" + mode.name().toLowerCase(Locale.ROOT)
                            + "' and '" + arg + "'");
                }
                if (arg.equals("echo")) {
                    mode = Mode.ECHO;
                } else if (arg.equals("chat")) {
                    mode = Mode.CHAT;
                } else {
                    return new Parsed.Invalid("unknown mode '" + arg + "': expected echo or chat");
                }
                continue;
            }
            int eq = arg.indexOf('=');
            String flag = eq < 0 ? arg : arg.substring(0, eq);
            if (!List.of("--transport", "--host", "--port", "--path", "--history", "--history-ttl", "--redis")
                    .contains(flag)) {
                return new Parsed.Invalid("unknown option '" + flag + "'");
            }
            String value;
            if (eq >= 0) {
                value = arg.substring(eq + 1);
            } else if (i + 1 < args.length) {
                value = args[++i];
            } else {
                return new Parsed.Invalid(flag + " needs a value");
            }
            switch (flag) {
                case "--transport" -> transport = value;
                case "--host" -> host = value;
                case "--port" -> port = value;
                case "--history" -> history = value;
                case "--history-ttl" -> historyTtl = value;
                case "--redis" -> redis = value;
                default -> path = value;
            }
        }
        int portNumber;
        try {
            portNumber = Integer.parseInt(port);
        } catch (NumberFormatException e) {
            return new Parsed.Invalid("--port must be a number from 0 to 65535, was '" + port + "'");
        }
        int historyNumber;
        try {
            historyNumber = Integer.parseInt(history);
        } catch (NumberFormatException e) {
            return new Parsed.Invalid("--history must be a number from 1 to " + MAX_HISTORY + ", was '" + history
                    + "'");
        }
        Duration ttl = parseDuration(historyTtl);
        if (ttl == null) {
            return new Parsed.Invalid("--history-ttl must be a number and a unit (ms, s, m, h or d) such as 90s, 5m "
                    + "or 2h, was '" + historyTtl + "'");
        }
        try {
            return new Parsed.Run(new Options(mode == null ? Mode.CHAT : mode, transport, host, portNumber, path,
                    historyNumber, ttl, redis));
        } catch (IllegalArgumentException e) {
            return new Parsed.Invalid(e.getMessage());
        }
    }

    /** Parses {@code 500ms}, {@code 90s}, {@code 5m}, {@code 2h} or {@code 1d}; null if it is not one of those. */
    private static Duration parseDuration(String text) {
        int digits = 0;
        while (digits < text.length() && text.charAt(digits) >= '0' && text.charAt(digits) <= '9') {
            digits++;
        }
        if (digits == 0 || digits > 9) {
            return null;
        }
        long n = Long.parseLong(text.substring(0, digits));
        return switch (text.substring(digits)) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            case "d" -> Duration.ofDays(n);
            default -> null;
        };
    }

    /** Formats a duration the way {@link #parseDuration} reads it, in the largest unit that divides it. */
    private static String formatDuration(Duration d) {
        if (d.isNegative() || d.getSeconds() > Long.MAX_VALUE / 1000 || d.getNano() % 1_000_000 != 0) {
            return d.toString();
        }
        long ms = d.toMillis();
        if (ms == 0) {
            return "0s";
        }
        long[] sizes = {86_400_000L, 3_600_000L, 60_000L, 1_000L};
        String[] units = {"d", "h", "m", "s"};
        for (int i = 0; i < sizes.length; i++) {
            if (ms % sizes[i] == 0) {
                return ms / sizes[i] + units[i];
            }
        }
        return ms + "ms";
    }

    private static String checkTransport(String transport) {
        return TRANSPORTS.contains(transport) ? null
                : "--transport must be one of " + String.join(", ", TRANSPORTS) + ", was '" + transport + "'";
    }

    private static String checkHost(String host) {
        return host.isBlank() || host.chars().anyMatch(Character::isWhitespace)
                ? "--host must be a host name or address, was '" + host + "'" : null;
    }

    private static String checkPath(String path) {
        boolean ok = path.startsWith("/") && path.chars().allMatch(c -> c > 0x20 && c < 0x7F)
                && path.indexOf('?') < 0 && path.indexOf('#') < 0;
        return ok ? null
                : "--path must start with '/' and hold no spaces, '?' or '#', was '" + path + "'";
    }

    /** The outcome of {@link #parse(String...)}. */
    public sealed interface Parsed {

        /**
         * Run an example.
         *
         * @param options what to run; not null
         */
        record Run(Options options) implements Parsed {
        }

        /** Print {@link #USAGE} and exit with status 0. */
        record Help() implements Parsed {
        }

        /**
         * Print what is wrong and exit with status 2.
         *
         * @param message what is wrong, naming the argument; not null
         */
        record Invalid(String message) implements Parsed {
        }
    }
}
