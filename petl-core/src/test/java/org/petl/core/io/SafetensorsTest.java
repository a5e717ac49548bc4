package org.petl.core.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.petl.core.tensor.HostTensor;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class SafetensorsTest {

    @TempDir
    Path dir;

    @Test
    void roundTripKeepsNamesShapesValuesAndMetadata() {
        Path f = dir.resolve("a.safetensors");
        Map<String, HostTensor> in = Map.of(
                "b.weight", HostTensor.of(new float[]{1, 2, 3, 4, 5, 6}, 2, 3),
                "a.bias", HostTensor.of(new float[]{-0.5f, Float.MIN_VALUE}, 2),
                "scalar", HostTensor.of(new float[]{7f}));
        Safetensors.write(f, in, Map.of("format", "pt"));
        Safetensors.Contents out = Safetensors.readWithMetadata(f);
        assertEquals(in.keySet(), out.tensors().keySet());
        for (var e : in.entrySet()) {
            assertArrayEquals(e.getValue().shape(), out.tensors().get(e.getKey()).shape());
            assertArrayEquals(e.getValue().data(), out.tensors().get(e.getKey()).data());
        }
        assertEquals("pt", out.metadata().get("format"));
        assertEquals(java.util.List.of("a.bias", "b.weight", "scalar"), java.util.List.copyOf(out.tensors().keySet()), "names are written sorted");
    }

    @Test
    void readsTheSharedReferenceCheckpoint() {
        Path base = Path.of(System.getProperty("petl.shared", "../../shared"), "golden/petl-reference/roberta/base.safetensors");
        Map<String, HostTensor> t = Safetensors.read(base);
        assertArrayEquals(new long[]{120, 32}, t.get("roberta.embeddings.word_embeddings.weight").shape());
        assertArrayEquals(new long[]{64, 32}, t.get("roberta.encoder.layer.0.intermediate.dense.weight").shape());
    }

    @Test
    void truncatedFileIsAClearError() throws Exception {
        Path f = dir.resolve("t.safetensors");
        Safetensors.write(f, Map.of("w", HostTensor.of(new float[12], 3, 4)), Map.of());
        byte[] all = Files.readAllBytes(f);
        Files.write(f, Arrays.copyOf(all, all.length - 5));
        WeightFileException e = assertThrows(WeightFileException.class, () -> Safetensors.read(f));
        assertTrue(e.getMessage().contains("'w'") && e.getMessage().contains("truncated"), e.getMessage());
    }

    @Test
    void headerThatLiesAboutShapeOrOffsetsIsAClearError() throws Exception {
        Path shape = dir.resolve("s.safetensors");
        writeRaw(shape, "{\"w\":{\"dtype\":\"F32\",\"shape\":[3,5],\"data_offsets\":[0,48]}}", 48);
        var e1 = assertThrows(WeightFileException.class, () -> Safetensors.read(shape));
        assertTrue(e1.getMessage().contains("'w'") && e1.getMessage().contains("needs 60 bytes"), e1.getMessage());

        Path offs = dir.resolve("o.safetensors");
        writeRaw(offs, "{\"w\":{\"dtype\":\"F32\",\"shape\":[3,4],\"data_offsets\":[16,64]}}", 48);
        var e2 = assertThrows(WeightFileException.class, () -> Safetensors.read(offs));
        assertTrue(e2.getMessage().contains("outside the data block"), e2.getMessage());

        Path len = dir.resolve("l.safetensors");
        Files.write(len, new byte[]{(byte) 0xff, 0x7f, 0, 0, 0, 0, 0, 0, '{', '}'});
        var e3 = assertThrows(WeightFileException.class, () -> Safetensors.read(len));
        assertTrue(e3.getMessage().contains("header length"), e3.getMessage());
    }

    private static void writeRaw(Path f, String header, int dataBytes) throws Exception {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h);
        Files.write(f, b.array());
    }
}
