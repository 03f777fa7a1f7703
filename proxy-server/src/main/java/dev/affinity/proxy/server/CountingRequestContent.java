package dev.affinity.proxy.server;

import java.nio.ByteBuffer;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;

/**
 * The client's body as the backend request reads it, noting whether an attempt ever asked for it,
 * so that a failed attempt knows whether the request can go to another member with its body intact.
 * The part that had arrived with the head ({@link ArrivedBody}) comes first, then the rest as it comes.
 */
final class CountingRequestContent implements org.eclipse.jetty.client.Request.Content {

    private final Request clientToProxyRequest;
    private final Exchange exchange;
    /** Set when this attempt failed the client's body itself: a failure chunk after that is ours, not the client's. */
    private volatile boolean failedByUs;
    /** Whether this attempt has had the part that came with the head. */
    private volatile boolean arrivedRead;

    CountingRequestContent(Request clientToProxyRequest, Exchange exchange) {
        this.clientToProxyRequest = clientToProxyRequest;
        this.exchange = exchange;
    }

    @Override
    public long getLength() {
        return clientToProxyRequest.getLength();
    }

    @Override
    public Content.Chunk read() {
        exchange.bodyTouched = true;
        if (arrivedPending()) {
            arrivedRead = true;
            return Content.Chunk.from(ByteBuffer.wrap(exchange.arrived.bytes()), false);
        }
        Content.Chunk chunk = clientToProxyRequest.read();
        if (Content.Chunk.isFailure(chunk) && !failedByUs) {
            exchange.clientBodyFailure = chunk.getFailure();
        }
        return chunk;
    }

    @Override
    public void demand(Runnable demandCallback) {
        exchange.bodyTouched = true;
        if (arrivedPending()) {
            // A read would return the part that came with the head.
            demandCallback.run();
            return;
        }
        clientToProxyRequest.demand(demandCallback);
    }

    @Override
    public void fail(Throwable failure) {
        // An untouched body stays whole for the next attempt; a touched one fails with its attempt.
        if (exchange.bodyTouched) {
            failedByUs = true;
            clientToProxyRequest.fail(failure);
        }
    }

    @Override
    public String getContentType() {
        return clientToProxyRequest.getHeaders().get(HttpHeader.CONTENT_TYPE);
    }

    @Override
    public boolean rewind() {
        return false;
    }

    /** Whether the part that came with the head is still to be read by this attempt. */
    private boolean arrivedPending() {
        return !arrivedRead && !exchange.arrived.none();
    }
}
