// The generator's contract types (kernel interfaces, parallel regions) live in namespace Peft.Generated,
// hidden from completion lists: generated code names them fully qualified; users have no business with them.
global using Peft.Generated;
