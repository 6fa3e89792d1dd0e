package io.wshub.examples;

import io.wshub.redis.RedisHubConfig;
import java.io.IOException;
import java.io.PrintStream;
import java.util.concurrent.CountDownLatch;

/**
 * The command line: {@code java -jar wshub-examples.jar [echo|chat] [--transport NAME] [--host HOST] [--port N]
 * [--path /P] [--history N] [--history-ttl T] [--redis URI]}; see {@link Options#USAGE}. Exit status: 0 after
 * {@code --help}, 2 for a wrong argument, 1 if the server cannot start (a port that cannot be bound, a
 * {@code --redis} that is no Redis URI or whose Redis cannot be used: one line on stderr says which); otherwise it
 * runs until Ctrl-C or SIGTERM.
 */
public final class Main {

    private Main() {
    }

    /**
     * Runs an example until the JVM is asked to stop, then stops it gracefully.
     *
     * @param args the command line
     * @throws InterruptedException if the main thread is interrupted while the server runs
     */
    public static void main(String[] args) throws InterruptedException {
        Options.Parsed parsed = Options.parse(args);
        if (parsed instanceof Options.Parsed.Help) {
            System.out.print(Options.USAGE);
            return;
        }
        if (parsed instanceof Options.Parsed.Invalid invalid) {
            System.err.println("error: " + invalid.message());
            System.err.println("run with --help for usage");
            System.exit(2);
        }
        // Undertow logs through JBoss Logging; route it to SLF4J (slf4j-simple, on stderr) like everything else.
        if (System.getProperty("org.jboss.logging.provider") == null) {
            System.setProperty("org.jboss.logging.provider", "slf4j");
        }
        // Lettuce says at INFO that it raised hub-redis's computation thread count to its minimum: noise on stderr.
        String lettuceResources = "org.slf4j.simpleLogger.log.io.lettuce.core.resource.DefaultClientResources";
        if (System.getProperty(lettuceResources) == null) {
            System.setProperty(lettuceResources, "warn");
        }
        Runnable stop;
        try {
            stop = start(((Options.Parsed.Run) parsed).options(), System.out);
        } catch (RedisOptionException e) {
            System.err.println("error: " + e.getMessage());
            System.exit(1);
            return;
        } catch (IOException | RuntimeException e) {
            System.err.println("error: cannot start: " + e);
            System.exit(1);
            return;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            stop.run(); // clients get close code 1001
            stopped.countDown();
        }, "wshub-examples-shutdown"));
        stopped.await();
    }

    /**
     * Starts the example the options name and prints where it listens: {@code listening ws://HOST:PORT/PATH} and, for
     * chat, {@code page http://HOST:PORT/}; with {@code --redis}, then {@code redis redis://HOST:PORT node N} (the
     * Redis address without any password, and the number this node has among the chat's nodes).
     *
     * @param options what to run; not null
     * @param out where to print; not null
     * @return what stops the example
     * @throws RedisOptionException if {@code --redis} is not a Redis URI, or its Redis cannot be used
     * @throws IOException if a port cannot be bound
     */
    static Runnable start(Options options, PrintStream out) throws IOException {
        if (options.mode() == Options.Mode.ECHO) {
            var echo = EchoServer.start(options.transport(), options.serverConfig());
            out.println("listening " + echo.uri());
            out.flush();
            return echo::stop;
        }
        RedisHubConfig redis;
        try {
            redis = options.redisConfig();
        } catch (IllegalArgumentException e) {
            throw new RedisOptionException(e.getMessage(), e);
        }
        ChatServer chat;
        try {
            chat = ChatServer.start(options.transport(), options.serverConfig(), options.pagePort(),
                    options.history(), options.historyTtl(), redis);
        } catch (ChatServer.RedisException e) {
            throw new RedisOptionException("--redis: " + e.getMessage(), e);
        }
        out.println("listening " + chat.webSocket().uri());
        out.println("page " + chat.pageUri());
        if (chat.backplane() != null) {
            out.println("redis " + redis.address() + " node " + chat.backplane().node());
        }
        out.flush();
        return chat::close;
    }

    /** {@code --redis} is not a Redis URI, or its Redis cannot be used; the message is one line naming the option. */
    static final class RedisOptionException extends IOException {

        private static final long serialVersionUID = 1L;

        RedisOptionException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
