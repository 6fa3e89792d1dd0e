package io.wshub.testkit;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.opentest4j.AssertionFailedError;

/**
 * The JDK's own {@link WebSocket} client, an independent implementation, wrapped for the well-formed rules: it collects
 * whole messages (reassembling parts) and the close it receives. Package-private.
 *
 * <p>Thread-safety: one test thread uses it; the JDK calls the listener on its executor, which this class owns and
 * shuts down on {@link #close()}.
 */
final class JdkClient implements AutoCloseable {

    /** The server's close, as the listener saw it. */
    record Closed(int code, String reason) {
    }

    private final ExecutorService executor;
    private final WebSocket webSocket;
    private final BlockingQueue<Object> received;

    private JdkClient(ExecutorService executor, WebSocket webSocket, BlockingQueue<Object> received) {
        this.executor = executor;
        this.webSocket = webSocket;
        this.received = received;
    }

    static JdkClient connect(URI uri, Duration timeout, List<String> subprotocols) throws Exception {
        ExecutorService executor = Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "wshub-testkit-jdk-client");
            t.setDaemon(true);
            return t;
        });
        BlockingQueue<Object> received = new LinkedBlockingQueue<>();
        try {
            HttpClient http = HttpClient.newBuilder().executor(executor).connectTimeout(timeout).build();
            WebSocket.Builder b = http.newWebSocketBuilder().connectTimeout(timeout);
            if (!subprotocols.isEmpty()) {
                b.subprotocols(subprotocols.get(0),
                        subprotocols.subList(1, subprotocols.size()).toArray(new String[0]));
            }
            WebSocket ws;
            try {
                ws = b.buildAsync(uri, new Collector(received)).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (ExecutionException e) {
                throw new AssertionFailedError("the JDK's java.net.http.WebSocket client could not open " + uri + ": "
                        + e.getCause(), e.getCause());
            } catch (TimeoutException e) {
                throw new AssertionFailedError("the JDK's java.net.http.WebSocket client got no handshake answer from "
                        + uri + " within " + timeout.toMillis() + " ms", e);
            }
            return new JdkClient(executor, ws, received);
        } catch (Exception | Error e) {
            executor.shutdownNow();
            throw e;
        }
    }

    String subprotocol() {
        return webSocket.getSubprotocol();
    }

    void sendText(String text, Duration timeout) throws Exception {
        await(webSocket.sendText(text, true), timeout, "send a text message");
    }

    void sendBinary(byte[] data, Duration timeout) throws Exception {
        await(webSocket.sendBinary(ByteBuffer.wrap(data), true), timeout, "send a binary message");
    }

    void sendClose(int code, String reason, Duration timeout) throws Exception {
        await(webSocket.sendClose(code, reason), timeout, "send a close");
    }

    private static void await(CompletableFuture<?> f, Duration timeout, String what) throws InterruptedException {
        try {
            f.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new AssertionFailedError("the JDK WebSocket client could not " + what + ": " + e.getCause(),
                    e.getCause());
        } catch (TimeoutException e) {
            throw new AssertionFailedError("the JDK WebSocket client could not " + what + " within "
                    + timeout.toMillis() + " ms (is the server reading?)", e);
        }
    }

    /** Returns the next String, byte[], Closed or Throwable, or null on timeout. */
    Object next(Duration timeout) throws InterruptedException {
        return received.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() {
        webSocket.abort();
        executor.shutdownNow();
    }

    private static final class Collector implements WebSocket.Listener {
        private final BlockingQueue<Object> received;
        private StringBuilder text = new StringBuilder();
        private ByteBuffer binary = ByteBuffer.allocate(0);

        Collector(BlockingQueue<Object> received) {
            this.received = received;
        }

        @Override
        public void onOpen(WebSocket webSocket) {
            webSocket.request(1);
        }

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            text.append(data);
            if (last) {
                received.add(text.toString());
                text = new StringBuilder();
            }
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
            if (binary.remaining() < data.remaining()) {
                ByteBuffer bigger = ByteBuffer.allocate(Math.max(binary.capacity() * 2,
                        binary.position() + data.remaining()));
                binary.flip();
                bigger.put(binary);
                binary = bigger;
            }
            binary.put(data);
            if (last) {
                binary.flip();
                byte[] b = new byte[binary.remaining()];
                binary.get(b);
                received.add(b);
                binary = ByteBuffer.allocate(0);
            }
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            received.add(new Closed(statusCode, reason));
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            received.add(error);
        }
    }
}
