package dev.affinity.proxy.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

class ReusedBufferTest {

    private final ReusedBuffer buffers = new ReusedBuffer(4096);

    @Test
    void theKeptBufferComesBackClearedWhileWhatIsWrittenFits() {
        ByteBuffer first = buffers.take(200);
        assertEquals(200, first.capacity());
        first.put(new byte[150]).flip();
        ByteBuffer second = buffers.take(100);
        assertSame(first, second);
        assertEquals(0, second.position());
        assertEquals(200, second.limit());
        assertSame(first, buffers.take(200));
    }

    @Test
    void aLargerOneReplacesItGrowingAtLeastTwofoldUpToTheLimit() {
        ByteBuffer first = buffers.take(200);
        ByteBuffer grown = buffers.take(201);
        assertNotSame(first, grown);
        assertEquals(400, grown.capacity());
        assertSame(grown, buffers.take(400));
        ByteBuffer larger = buffers.take(1000);
        assertEquals(1000, larger.capacity());
        assertEquals(3000, buffers.take(3000).capacity());
        ByteBuffer atTheLimit = buffers.take(3001);
        assertEquals(4096, atTheLimit.capacity());
        assertSame(atTheLimit, buffers.take(4096));
    }

    @Test
    void oneOverTheLimitIsForThatWriteAloneAndTheKeptOneStays() {
        ByteBuffer kept = buffers.take(300);
        ByteBuffer large = buffers.take(5000);
        assertEquals(5000, large.capacity());
        assertNotSame(large, buffers.take(5000));
        assertSame(kept, buffers.take(300));
    }
}
