package io.wshub.transport.undertow;

import io.wshub.api.Endpoint;
import io.wshub.api.HandshakePolicy;
import io.wshub.api.Message;
import io.wshub.api.OfferResult;
import io.wshub.api.RunningServer;
import io.wshub.api.ServerConfig;
import io.wshub.api.Session;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A rough measurement, not a test (nothing is asserted): fan-out of small messages in hub-like batches (offer to every
 * session, then flush) to N loopback clients, with and without coalescing a batch into one write. Run it with the test
 * class path: {@code java -Dio.wshub.undertow.coalesceWrites=true|false ... CoalescingMeasurement [clients]
 * [messages] [batch]}. It prints messages per second delivered to all clients.
 */
public final class CoalescingMeasurement {

    private CoalescingMeasurement() {
    }

    public static void main(String[] args) throws Exception {
        int clients = args.length > 0 ? Integer.parseInt(args[0]) : 50;
        int messages = args.length > 1 ? Integer.parseInt(args[1]) : 20_000;
        int batch = args.length > 2 ? Integer.parseInt(args[2]) : 64;
        List<Session> sessions = new CopyOnWriteArrayList<>();
        Endpoint ep = new Endpoint() {
            @Override
            public void onOpen(Session session) {
                sessions.add(session);
            }

            @Override
            public void onMessage(Session session, Message message) {
            }
        };
        RunningServer server = new UndertowTransportProvider().start(ServerConfig.builder().host("127.0.0.1").port(0)
                .maxQueuedMessages(1 << 20).maxQueuedBytes(1L << 40).pingInterval(java.time.Duration.ZERO)
                .build(), ep, HandshakePolicy.acceptAll());
        List<RawClient> raw = new ArrayList<>();
        List<Thread> readers = new ArrayList<>();
        CountDownLatch done = new CountDownLatch(clients);
        try {
            for (int i = 0; i < clients; i++) {
                RawClient c = new RawClient(server.port());
                c.upgrade("/ws");
                c.socket().setSoTimeout(120_000);
                raw.add(c);
                Thread t = new Thread(() -> {
                    try {
                        for (int k = 0; k < messages; k++) {
                            c.read();
                        }
                        done.countDown();
                    } catch (Exception e) {
                        System.err.println("reader failed: " + e);
                    }
                });
                t.start();
                readers.add(t);
            }
            while (sessions.size() < clients) {
                Thread.sleep(10);
            }
            Message m = Message.text("x".repeat(64));
            long start = System.nanoTime();
            int sent = 0;
            while (sent < messages) {
                int n = Math.min(batch, messages - sent);
                for (Session s : sessions) {
                    for (int k = 0; k < n; k++) {
                        if (s.offer(m) != OfferResult.ENQUEUED) {
                            throw new IllegalStateException("queue refused");
                        }
                    }
                    s.flush();
                }
                sent += n;
            }
            if (!done.await(60, TimeUnit.SECONDS)) {
                for (Session s : sessions) {
                    UndertowSession us = (UndertowSession) s;
                    if (us.queuedMessages() > 0) {
                        System.err.println("stalled: queued=" + us.queuedMessages() + " pending="
                                + us.pendingMessages() + " inFlight=" + us.inFlightMessages() + " " + us.channel());
                    }
                }
                throw new IllegalStateException("not delivered in time");
            }
            double secs = (System.nanoTime() - start) / 1e9;
            System.out.printf("coalesceWrites=%s clients=%d messages=%d batch=%d: %.2f s, %.0f deliveries/s%n",
                    System.getProperty("io.wshub.undertow.coalesceWrites", "true"), clients, messages, batch, secs,
                    (double) clients * messages / secs);
        } finally {
            for (RawClient c : raw) {
                c.close();
            }
            for (Thread t : readers) {
                t.join(5000);
            }
            server.stop();
        }
    }
}
