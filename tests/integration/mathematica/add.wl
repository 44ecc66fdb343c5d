cbRun[cbT = Timing[AbsoluteTiming[cbR = {cbP[0, 0] + cbP[1, 0], cbP[0, 1] + cbP[1, 1]};]], Print["@@T ", cbNum[cbT[[2, 1]]], " ", cbNum[cbT[[1]]]]]; cbR = Null
cbRun[cbT = Timing[AbsoluteTiming[Do[cbR = {cbP[0, 0] + cbP[1, 0], cbP[0, 1] + cbP[1, 1]}, {3}];]], Print["@@T ", cbNum[cbT[[2, 1]]], " ", cbNum[cbT[[1]]]]]; cbR = Null
cbRun[cbV = cbP[0, 0] + cbP[1, 0], Print["@@P ", cbTerms[cbV, cbG[2]]]]
cbRun[cbV = cbP[0, 1] + cbP[1, 1], Print["@@P ", cbTerms[cbV, cbG[2]]]]
