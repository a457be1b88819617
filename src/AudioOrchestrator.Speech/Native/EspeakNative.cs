using System.Runtime.InteropServices;

namespace AudioOrchestrator.Speech.Native;

/// <summary>
/// Source-generated bindings for the classic <c>speak_lib.h</c> API of espeak-ng 1.51.
/// The library keeps process-global state; callers serialise every use (see <see cref="EspeakTextToSpeechClient"/>).
/// </summary>
internal static unsafe partial class EspeakNative
{
    internal const string Library = "libespeak-ng.so.1";

    /// <summary><c>AUDIO_OUTPUT_SYNCHRONOUS</c>: <c>espeak_Synth</c> returns when synthesis is complete.</summary>
    internal const int AudioOutputSynchronous = 2;

    /// <summary><c>espeakINITIALIZE_DONT_EXIT</c>: return an error instead of calling <c>exit()</c> when data is missing.</summary>
    internal const int InitializeDontExit = 0x8000;

    /// <summary><c>espeakCHARS_UTF8</c>.</summary>
    internal const uint CharsUtf8 = 1;

    /// <summary><c>espeakENDPAUSE</c>: add a short pause after the text.</summary>
    internal const uint EndPause = 0x1000;

    /// <summary><c>POS_CHARACTER</c>.</summary>
    internal const int PositionCharacter = 1;

    /// <summary><c>EE_OK</c>.</summary>
    internal const int ErrorOk = 0;

    /// <summary><c>espeakRATE</c>, words per minute (80..450).</summary>
    internal const int ParameterRate = 1;

    /// <summary><c>espeakVOLUME</c>, 0..200 (100 is normal).</summary>
    internal const int ParameterVolume = 2;

    /// <summary><c>espeakPITCH</c>, 0..100 (50 is normal).</summary>
    internal const int ParameterPitch = 3;

    internal const int MinimumRate = 80;
    internal const int MaximumRate = 450;

    /// <summary><c>int espeak_Initialize(espeak_AUDIO_OUTPUT output, int buflength, const char *path, int options)</c>; returns the sample rate or -1.</summary>
    [LibraryImport(Library, EntryPoint = "espeak_Initialize", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int Initialize(int output, int bufferMilliseconds, string? path, int options);

    /// <summary><c>void espeak_SetSynthCallback(t_espeak_callback *cb)</c> with <c>int cb(short *wav, int numsamples, espeak_EVENT *events)</c>.</summary>
    [LibraryImport(Library, EntryPoint = "espeak_SetSynthCallback")]
    internal static partial void SetSynthCallback(delegate* unmanaged<short*, int, EspeakEvent*, int> callback);

    /// <summary><c>espeak_ERROR espeak_SetVoiceByName(const char *name)</c>.</summary>
    [LibraryImport(Library, EntryPoint = "espeak_SetVoiceByName", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int SetVoiceByName(string name);

    /// <summary><c>espeak_ERROR espeak_SetParameter(espeak_PARAMETER parameter, int value, int relative)</c>.</summary>
    [LibraryImport(Library, EntryPoint = "espeak_SetParameter")]
    internal static partial int SetParameter(int parameter, int value, int relative);

    /// <summary>
    /// <c>espeak_ERROR espeak_Synth(const void *text, size_t size, unsigned int position, espeak_POSITION_TYPE position_type,
    /// unsigned int end_position, unsigned int flags, unsigned int *unique_identifier, void *user_data)</c>.
    /// </summary>
    [LibraryImport(Library, EntryPoint = "espeak_Synth")]
    internal static partial int Synth(byte* text, nuint size, uint position, int positionType, uint endPosition, uint flags, uint* uniqueIdentifier, nint userData);

    /// <summary><c>espeak_ERROR espeak_Terminate(void)</c>.</summary>
    [LibraryImport(Library, EntryPoint = "espeak_Terminate")]
    internal static partial int Terminate();
}

/// <summary>Layout of <c>espeak_EVENT</c> (x86-64/arm64: 40 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct EspeakEvent
{
    /// <summary><c>espeak_EVENT_TYPE</c>; 0 is <c>espeakEVENT_LIST_TERMINATED</c>.</summary>
    public int Type;
    public uint UniqueIdentifier;
    public int TextPosition;
    public int Length;
    public int AudioPosition;
    public int Sample;
    public nint UserData;

    /// <summary>The <c>id</c> union (number / name pointer / 8 chars).</summary>
    public long Id;
}
