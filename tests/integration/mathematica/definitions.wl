SetAttributes[cbRun, HoldAll]; cbRun[e_, out_] := If[Check[e; True, Print["@@X ", If[ListQ[$MessageList], StringRiffle[ToString /@ $MessageList, "; "], "a message was emitted"]]; False], out]
cbNum[t_] := ToString[Round[10^9 t]]
cbTermList[p_] := With[{e = Expand[p]}, Which[e === 0, {}, Head[e] === Plus, List @@ e, True, {e}]]
cbExps[t_, g_] := StringRiffle[ToString[Exponent[t, #]] & /@ g, ","]
cbTerms[p_, g_] := StringRiffle[(ToString[# /. Thread[g -> 1], InputForm] <> "@" <> cbExps[#, g]) & /@ cbTermList[p], " "]
cbLC[p_, g_] := If[p === 0, 0, Fold[Coefficient[#1, #2, Exponent[#1, #2]] &, Expand[p], g]]
cbG[2] = {x1, x2};
cbP[0, 0] = 3*x1^2*x2 + (-5);
cbP[0, 1] = 1*x1 + (-1)*x2;
cbP[1, 0] = 2*x1*x2 + 1;
cbP[1, 1] = (-4)*x2^2;
