package io.wshub.benchmarks.peers;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import org.java_websocket.WebSocket;
import org.java_websocket.handshake.ClientHandshake;
import org.java_websocket.server.WebSocketServer;

/**
 * Peer server: Java-WebSocket's own broadcast idiom, {@link WebSocketServer#broadcast(String)} of every received
 * message to every connected client (the library's chat-server example). Library defaults, except TCP_NODELAY on
 * (as every server in the comparison).
 *
 * <p>{@code java -cp benchmarks.jar io.wshub.benchmarks.peers.JavaWebSocketPeer PORT}
 *
 * <p>Thread-safety: the library's.
 */
public final class JavaWebSocketPeer extends WebSocketServer {

    private JavaWebSocketPeer(int port) {
        super(new InetSocketAddress("127.0.0.1", port));
        setReuseAddr(true);
        setTcpNoDelay(true);
    }

    /**
     * Starts the peer server and stops it on SIGTERM.
     *
     * @param args the port
     * @throws Exception if it cannot start
     */
    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        JavaWebSocketPeer server = new JavaWebSocketPeer(port);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                server.stop(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "peer-stop"));
        server.start();
        Peers.awaitShutdown("java-websocket", port);
    }

    @Override
    public void onOpen(WebSocket conn, ClientHandshake handshake) {
        // nothing to do: the library tracks connections for broadcast()
    }

    @Override
    public void onClose(WebSocket conn, int code, String reason, boolean remote) {
        // nothing to do
    }

    @Override
    public void onMessage(WebSocket conn, String message) {
        broadcast(message);
    }

    @Override
    public void onMessage(WebSocket conn, ByteBuffer message) {
        broadcast(message);
    }

    @Override
    public void onError(WebSocket conn, Exception ex) {
        System.err.println("[java-websocket peer] " + ex);
    }

    @Override
    public void onStart() {
        System.err.println("[java-websocket peer] started");
    }
}
