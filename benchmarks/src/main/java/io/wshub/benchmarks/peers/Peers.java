package io.wshub.benchmarks.peers;

/** Shared plumbing for the peer servers. Thread-safety: stateless. */
final class Peers {

    private Peers() {
    }

    /**
     * Prints the ready line the run script waits for, then blocks the main thread until the JVM shuts down (SIGTERM
     * runs each server's shutdown hook).
     *
     * @param name the server's name
     * @param port the bound port
     * @throws InterruptedException if interrupted
     */
    static void awaitShutdown(String name, int port) throws InterruptedException {
        System.out.println("LISTENING " + name + " " + port);
        System.out.flush();
        Thread.currentThread().join();
    }
}
