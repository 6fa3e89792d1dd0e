/**
 * wshub's broadcast core: a {@link io.wshub.api.Hub} on an LMAX Disruptor ring buffer. Exports only
 * {@code io.wshub.disruptor}; everything else is package-private.
 */
module io.wshub.disruptor {
    requires transitive io.wshub.api;
    requires com.lmax.disruptor;
    requires org.slf4j;

    exports io.wshub.disruptor;
}
