namespace AudioOrchestrator.Speech;

/// <summary>The built-in dictation vocabulary: common English words, all present in cmudict-en-us.</summary>
internal static class DefaultDictationWords
{
    private const string Words = """
        a about after again all also always am an and another any are around as ask at away back bad be
        because been before being best better big black blue book both bring but buy by call came can car
        cat change city close cold come could day did do does dog done door down drink drive each early
        eat eight end enough even evening every family far fast find fine first five food for four friday
        friend from front full game get give go going good great green had half happy hard has have he
        hear hello help her here hi high him his home hot hour house how i if in is it its just keep kind
        know last late later leave left less let life light like line little live long look lot love low
        made make man many may me meet message minute monday money more morning most mother move much
        music must my name near need never new next nice night nine no not nothing now number of off
        office often oh ok old on once one only open or other our out over people phone picture place
        play please point put question quick quiet radio read ready red remind right room run said same
        saturday say school second see send set seven she short should show side six slow small so some
        something song soon sorry start stay still stop story street sunday sure table take talk tell ten
        than thank thanks that the their them then there these they thing think this those three thursday
        time to today together tomorrow tonight too top town try tuesday turn two under up us use very
        wait walk want warm was watch water way we weather wednesday week well went were what when where
        which while white who why will window with word work world would write year yes yesterday yet you
        young your zero
        """;

    /// <summary>Returns a fresh, caller-owned list of the built-in words.</summary>
    public static List<string> Create() =>
        [.. Words.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];
}
