package dev.affinity.proxy.server;

import java.nio.ByteBuffer;
import java.nio.channels.WritePendingException;
import org.eclipse.jetty.http.HttpException;
import org.eclipse.jetty.http.HttpGenerator;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.http.MetaData;
import org.eclipse.jetty.io.ByteBufferPool;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.EofException;
import org.eclipse.jetty.io.RetainableByteBuffer;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.IteratingCallback;

/**
 * Writes a response's head and content to the client, one write at a time, with Jetty's
 * {@link HttpGenerator}, as Jetty's HttpConnection sends them: the same bytes (status line and reason,
 * fields in order and spelling, a Content-Length the generator writes itself, chunking where the
 * length is unknown, {@code Connection: close} on a response that ends the connection), with the
 * same buffers from the same pool; its output shut after a response that ends the connection.
 *
 * <p>One per {@link CommonRequestConnection}, whose generator it drives. A write while another is
 * under way fails with a {@link WritePendingException}, as Jetty's does.
 */
final class ResponseSender extends IteratingCallback {

    private final Connector connector;
    private final EndPoint endPoint;
    private final HttpGenerator generator;
    private final ByteBufferPool pool;
    private final HttpConfiguration configuration;
    private MetaData.Response info;
    private boolean head;
    private ByteBuffer content;
    private boolean last;
    /**
     * The callback of the write under way, from the write's start until it is called; null between
     * writes ({@link #busy}), as whoever writes or ends the response next reads it.
     */
    private volatile Callback callback;
    private RetainableByteBuffer header;
    private RetainableByteBuffer chunk;
    /** The response ends the connection: the output is shut once it is written. */
    private boolean shutdownOut;

    ResponseSender(Connector connector, EndPoint endPoint, HttpGenerator generator, HttpConfiguration configuration) {
        super(true);
        this.connector = connector;
        this.endPoint = endPoint;
        this.generator = generator;
        this.pool = connector.getByteBufferPool();
        this.configuration = configuration;
    }

    /**
     * Writes {@code content} (null for none), after the head {@code info} if this is the first write
     * (null after it); {@code head} for the answer to a HEAD, whose content is never written.
     */
    void send(MetaData.Response info, boolean head, ByteBuffer content, boolean last, Callback callback) {
        // As Jetty's stream: an empty write in the middle of a body sends nothing, and a second head fails.
        if (info == null) {
            if (!last && BufferUtil.isEmpty(content)) {
                callback.succeeded();
                return;
            }
        } else if (generator.isCommitted()) {
            callback.failed(new IllegalStateException("Committed"));
            return;
        }
        if (!reset()) {
            callback.failed(isClosed() ? new EofException() : new WritePendingException());
            return;
        }
        this.info = info;
        this.head = head;
        this.content = content;
        this.last = last;
        this.callback = callback;
        shutdownOut = false;
        if (connector.isShutdown()) {
            // A proxy stopping gracefully ends each connection after its response.
            generator.setPersistent(false);
        }
        iterate();
    }

    /** Whether a write is under way: another one, or the end of the response, must wait for it. */
    boolean busy() {
        return callback != null;
    }

    @Override
    public InvocationType getInvocationType() {
        Callback waiting = callback;
        return waiting == null ? InvocationType.NON_BLOCKING : waiting.getInvocationType();
    }

    @Override
    protected Action process() throws Exception {
        if (callback == null) {
            throw new IllegalStateException("nothing to send");
        }
        int headerSize = configuration.getResponseHeaderSize();
        int maxHeaderSize = configuration.getMaxResponseHeaderSize();
        boolean direct = configuration.isUseOutputDirectByteBuffers();
        while (true) {
            ByteBuffer headerBytes = header == null ? null : header.getByteBuffer();
            ByteBuffer chunkBytes = chunk == null ? null : chunk.getByteBuffer();
            HttpGenerator.Result result = generator.generateResponse(info, head, headerBytes, chunkBytes, content, last);
            switch (result) {
                case NEED_INFO -> throw new EofException("request lifecycle violation");
                case NEED_HEADER -> {
                    generator.setMaxHeaderBytes(maxHeaderSize < 0 ? headerSize : maxHeaderSize);
                    header = pool.acquire(headerSize, direct);
                }
                case HEADER_OVERFLOW -> {
                    if (maxHeaderSize <= 0 || maxHeaderSize <= headerSize) {
                        throw new HttpException.RuntimeException(HttpStatus.INTERNAL_SERVER_ERROR_500,
                                "Response Header Fields Too Large");
                    }
                    releaseHeader();
                    header = pool.acquire(maxHeaderSize, direct);
                    headerSize = maxHeaderSize;
                }
                // Room for a chunk's size line.
                case NEED_CHUNK -> chunk = pool.acquire(12, direct);
                case NEED_CHUNK_TRAILER -> {
                    releaseChunk();
                    chunk = pool.acquire(headerSize, direct);
                }
                case FLUSH -> {
                    // Neither a HEAD's answer nor one that has no content (204, 304) carries any.
                    if (head || generator.isNoContent()) {
                        if (chunk != null) {
                            BufferUtil.clear(chunkBytes);
                        }
                        BufferUtil.clear(content);
                    }
                    flush(headerBytes, chunkBytes, chunkOf(content));
                    return Action.SCHEDULED;
                }
                case SHUTDOWN_OUT -> shutdownOut = true;
                case DONE -> {
                    // A proxy stopping gracefully: the output is shut even after a response that said nothing of it.
                    if (connector.isShutdown() && generator.isEnd() && generator.isPersistent()) {
                        shutdownOut = true;
                    }
                    return Action.SUCCEEDED;
                }
                case CONTINUE -> {
                }
                default -> throw new IllegalStateException("generateResponse=" + result);
            }
        }
    }

    /** What of the content goes in this write: all of it, or, chunked, no more than the generator's chunk. */
    private ByteBuffer chunkOf(ByteBuffer body) {
        int max = generator.getChunkMaxLength();
        if (!BufferUtil.hasContent(body) || !generator.isChunking() || body.remaining() <= max) {
            return body;
        }
        ByteBuffer slice = body.slice(body.position(), max);
        body.position(body.position() + max);
        return slice;
    }

    /** Writes what has bytes of the head, the chunk framing and the content, in that order. */
    private void flush(ByteBuffer headerBytes, ByteBuffer chunkBytes, ByteBuffer body) {
        boolean hasHeader = BufferUtil.hasContent(headerBytes);
        boolean hasChunk = BufferUtil.hasContent(chunkBytes);
        boolean hasContent = BufferUtil.hasContent(body);
        if (hasHeader && hasChunk && hasContent) {
            endPoint.write(this, headerBytes, chunkBytes, body);
        } else if (hasHeader && hasChunk) {
            endPoint.write(this, headerBytes, chunkBytes);
        } else if (hasHeader && hasContent) {
            endPoint.write(this, headerBytes, body);
        } else if (hasHeader) {
            endPoint.write(this, headerBytes);
        } else if (hasChunk && hasContent) {
            endPoint.write(this, chunkBytes, body);
        } else if (hasChunk) {
            endPoint.write(this, chunkBytes);
        } else if (hasContent) {
            endPoint.write(this, body);
        } else {
            succeeded();
        }
    }

    private Callback release() {
        Callback done = callback;
        callback = null;
        info = null;
        content = null;
        releaseHeader();
        releaseChunk();
        return done;
    }

    private void releaseHeader() {
        if (header != null) {
            header.release();
            header = null;
        }
    }

    private void releaseChunk() {
        if (chunk != null) {
            chunk.release();
            chunk = null;
        }
    }

    @Override
    protected void onCompleteSuccess() {
        if (shutdownOut) {
            // The response ends the connection: the client reads its end right after the last byte.
            endPoint.shutdownOutput();
        }
        release().succeeded();
    }

    @Override
    protected void onCompleteFailure(Throwable failure) {
        Callback done = release();
        if (done != null) {
            done.failed(failure);
        }
    }

    /** The connection closed: a write under way fails, as Jetty's sender is aborted, and none can start. */
    void closed(Throwable cause) {
        if (cause == null) {
            close();
        } else {
            abort(cause);
        }
    }

    @Override
    public String toString() {
        return "%s[%s]".formatted(super.toString(), generator);
    }
}
