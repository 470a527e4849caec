import NIOCore

/// Joins two channels on the same event loop into one byte stream (``GlueHandler``), for
/// relays outside this module such as the Proxy Service's web port.
public enum ChannelGlue {
    /// Adds a glued pair of handlers, one to each channel's pipeline.
    public static func glue(_ first: any Channel, _ second: any Channel) -> EventLoopFuture<Void> {
        precondition(first.eventLoop === second.eventLoop, "glued channels must share an event loop")
        let (a, b) = GlueHandler.matchedPair()
        return first.pipeline.addHandler(a).and(second.pipeline.addHandler(b)).map { _ in }
    }
}
