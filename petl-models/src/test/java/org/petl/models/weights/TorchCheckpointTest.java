package org.petl.models.weights;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.petl.core.io.Safetensors;
import org.petl.core.io.WeightFileException;
import org.petl.core.tensor.HostTensor;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The restricted unpickler against files written by real {@code torch.save} (Debian python3-torch 1.13, see
 * {@code src/test/resources/torch/make_fixtures.py}): zip and legacy formats, strided and shared storages, half,
 * bfloat16, double and int64 tensors, compared with a safetensors file written without torch.
 */
class TorchCheckpointTest {

    private static Path resource(String name) throws URISyntaxException {
        return Path.of(TorchCheckpointTest.class.getResource("/torch/" + name).toURI());
    }

    private static void assertSameTensors(Map<String, HostTensor> expected, Map<String, HostTensor> got) {
        assertEquals(expected.keySet(), new java.util.TreeSet<>(got.keySet()));
        for (String k : expected.keySet()) {
            assertArrayEquals(expected.get(k).shape(), got.get(k).shape(), k);
            assertArrayEquals(expected.get(k).data(), got.get(k).data(), 0f, k);
        }
    }

    @Test
    void zipFormatMatchesTheOracle() throws Exception {
        Map<String, HostTensor> expected = Safetensors.read(resource("expected.safetensors"));
        Map<String, HostTensor> got = TorchCheckpoint.read(resource("tiny-zip.bin"));
        assertEquals(10, got.size());
        assertSameTensors(expected, got);
        assertEquals("model.encoder.layers.0.fc1.weight", got.keySet().iterator().next(), "file order is kept");
        assertArrayEquals(new long[]{4, 3}, got.get("transposed").shape());
        assertArrayEquals(new long[]{}, got.get("scalar").shape());
        assertEquals(3.5f, got.get("scalar").data()[0]);
        assertArrayEquals(new float[]{0, 1, 2, 3, 4, 5, 6}, got.get("position_ids").data());
    }

    @Test
    void legacyFormatMatchesTheOracle() throws Exception {
        assertSameTensors(Safetensors.read(resource("expected.safetensors")), TorchCheckpoint.read(resource("tiny-legacy.bin")));
    }

    /** A zip checkpoint whose data.pkl is {@code pickle.dumps} of a call to {@code os.system("echo pwned")}. */
    private static Path evilZip(Path dir, String module, String name) throws IOException {
        ByteArrayOutputStream pkl = new ByteArrayOutputStream();
        pkl.write(new byte[]{(byte) 0x80, 2});
        pkl.write(('c' + module + "\n" + name + "\n").getBytes(StandardCharsets.US_ASCII));
        byte[] arg = "echo pwned".getBytes(StandardCharsets.US_ASCII);
        pkl.write('X');
        pkl.write(new byte[]{(byte) arg.length, 0, 0, 0});
        pkl.write(arg);
        pkl.write(new byte[]{(byte) 0x85, 'R', '.'});
        Path f = dir.resolve("pytorch_model.bin");
        try (OutputStream out = Files.newOutputStream(f); ZipOutputStream zip = new ZipOutputStream(out)) {
            zip.putNextEntry(new ZipEntry("archive/data.pkl"));
            zip.write(pkl.toByteArray());
            zip.closeEntry();
        }
        return f;
    }

    @Test
    void foreignGlobalIsRefusedInOneLine(@TempDir Path tmp) throws IOException {
        Path f = evilZip(tmp, "posix", "system");
        WeightFileException e = assertThrows(WeightFileException.class, () -> TorchCheckpoint.read(f));
        assertEquals(f + " (archive/data.pkl): refuses pickle global 'posix.system' (a pickle can run code; only the tensor-rebuild globals of a state dict are allowed)",
                e.getMessage());
        for (List<String> g : List.of(List.of("builtins", "eval"), List.of("torch", "load"), List.of("collections", "defaultdict"))) {
            Path p = evilZip(tmp, g.get(0), g.get(1));
            String msg = assertThrows(WeightFileException.class, () -> TorchCheckpoint.read(p)).getMessage();
            assertTrue(msg.contains("refuses pickle global '" + g.get(0) + "." + g.get(1) + "'"), msg);
        }
    }

    @Test
    void truncatedAndForeignFilesAreOneLine(@TempDir Path tmp) throws Exception {
        byte[] legacy = Files.readAllBytes(resource("tiny-legacy.bin"));
        Path cut = tmp.resolve("cut.bin");
        Files.write(cut, java.util.Arrays.copyOf(legacy, legacy.length - 10));
        String m1 = assertThrows(WeightFileException.class, () -> TorchCheckpoint.read(cut)).getMessage();
        assertTrue(m1.contains("truncated"), m1);
        Path text = tmp.resolve("text.bin");
        Files.writeString(text, "hello world");
        String m2 = assertThrows(WeightFileException.class, () -> TorchCheckpoint.read(text)).getMessage();
        assertTrue(m2.startsWith(text + ": "), m2);
        assertFalse(m2.contains("\n"));
    }
}
